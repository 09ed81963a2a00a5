"""The learned line model of the strip stage: features, the two-stage ensemble, the headline pick,
training from labelled lines. Inference needs numpy and numba (``kernels.py``) only; training needs
scikit-learn (the ``train`` extra)."""
