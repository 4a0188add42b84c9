"""planqa.search: answer questions against a built index.

query → retrieve (``lexical``, ``dense``) → fuse (``fusion``, ``hybrid``) → answer → highlight → compare /
cite. ``search.engine.Engine`` is the façade the CLI and the app use.
"""
