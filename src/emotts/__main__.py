from emotts.cli import main

main()
