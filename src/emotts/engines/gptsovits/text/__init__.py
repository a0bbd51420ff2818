"""The GPT-SoVITS text frontend: text → phone ids (+ word2ph) per language, segmentation and BERT features."""
