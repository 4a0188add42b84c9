"""What each tab of the app does, apart from its layout (``app.py``), in plain modules.

Handlers are plain functions ``(engine, *inputs) -> html``, testable without a server: ``ask`` (the Ask
tab), ``chips`` (the visible state above its results: filters, what the question was understood as),
``compare`` (the Compare tab and the compare tray), ``cite`` (the Cite tab), ``documents`` (the document
viewer and the Documents tab's lists), ``exports`` (CSV / Markdown files). ``events`` wires them to the
page's components, ``url`` keeps the page state in the URL and restores it. Inputs are checked in the
handlers (a friendly bilingual note, never a trace); the engine's ``ValueError`` messages say how to fix
the input and are shown as they are. The HTML comes from ``search.render*``.
"""
