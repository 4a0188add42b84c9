"""The served app over a Milvus-backed index: same answers, citations and health as over a local one."""

from __future__ import annotations

import json
import os
import re
import urllib.request

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network here; before gradio is imported

from conftest import free_port  # noqa: E402

pytestmark = pytest.mark.milvus

QUESTIONS = ("深圳到2025年食品抽检量达到多少", "湖州绿色工厂建设目标")


def _serve(engine):
    from gradio_client import Client

    import app_serve

    port = free_port()
    demo = app_serve.serve(engine, host="127.0.0.1", port=port, block=False, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    return demo, url, Client(url, verbose=False)


def test_the_app_serves_from_a_milvus_index(local_and_milvus):
    """`build --backend milvus`, then the app: /ask answers as the app over the local index of the same
    files does (answer card, citation, passages), and /health names the Milvus index's build."""
    from search.engine import Engine

    encoders = local_and_milvus["encoders"]
    answers = {}
    for backend in ("local", "milvus"):
        engine = Engine.load(local_and_milvus[backend], build_if_missing=False, encoders=encoders)
        assert engine.stored.manifest.get("backend", {"name": "local"})["name"] == backend
        demo, url, client = _serve(engine)
        try:
            answers[backend] = [tuple(client.predict(q, [], "", api_name="/ask")) for q in QUESTIONS]
            with urllib.request.urlopen(url + "health", timeout=30) as response:
                health = json.loads(response.read())
        finally:
            demo.close()
        assert health["status"] == "ok" and health["build_id"] == engine.build_id
        assert (health["documents"], health["chunks"]) == (len(engine.documents), len(engine.chunks))

    food_answer, food_citation, _, _ = answers["milvus"][0]
    assert "10批次/千人" in food_answer and 'class="citation-link"' in food_answer
    assert food_citation.startswith("《深圳市食品安全“十四五”规划》")
    # the same answer, citation, passages in the same order and chips; only the BM25 scores shown in
    # "why it ranked" differ (Milvus scales BM25 its own way; ranks are the same)
    unscored = {b: [tuple(re.sub(r"\d+\.\d+", "#", part) for part in a) for a in answers[b]] for b in answers}
    assert [a[:2] for a in answers["milvus"]] == [a[:2] for a in answers["local"]]
    assert unscored["milvus"] == unscored["local"]
