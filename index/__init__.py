"""planqa.index: turn plan texts into a persisted, searchable index.

Stages, one module each: reader → clean → documents → outline → chunker → encoders → store,
orchestrated by ``build``.
"""
