"""Training and evaluating emotion classifiers: labelled data, leak-free folds, augmentation, fine-tuning.

Only `bert_trainer` needs torch and transformers; the other modules are plain Python.
"""
