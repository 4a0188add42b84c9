"""The served app through gradio_client: a real HTTP server on a free port over the seeds index."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network here; before gradio is imported

from conftest import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def ask(client, question: str, documents=(), region: str = "") -> tuple[str, str, str, str]:
    return tuple(client.predict(question, list(documents), region, api_name="/ask"))


@pytest.mark.model
def test_english_question_finds_the_food_sampling_target(client):
    answer, citation, passages, chips = ask(client, "Shenzhen 2025 food sampling target")
    assert "10批次/千人" in passages  # the passage that answers
    assert 'class="pq-card pq-answer"' in answer and 'class="citation-link"' in answer
    assert re.fullmatch(r"《[^》]+》.* \[\d{3}_[0-9a-f]{16}\.txt:\d+-\d+\]", citation)
    assert 'class="pq-chips"' in chips


@pytest.mark.model
def test_ask_takes_the_question_alone(client):
    """The other inputs have defaults: a script passes just the question."""
    answer, citation, passages, _ = client.predict("深圳到2025年食品抽检要达到什么水平", api_name="/ask")
    assert "10批次/千人" in answer and citation.startswith("《深圳市食品药品安全“十四五”规划")


@pytest.mark.model
@pytest.mark.parametrize("question", ["", "。。。？！", "问" * 5000])
def test_bad_questions_get_a_friendly_message_over_http(client, question):
    answer, citation, passages, chips = ask(client, question)
    assert answer.startswith('<div class="pq-note">') and "Traceback" not in answer
    assert (citation, passages, chips) == ("", "", "")


# Ten users at once, five questions twice: each must get the answer it gets when asked alone.
CONCURRENT = [
    "深圳到2025年食品抽检要达到什么水平",
    "Shenzhen 2025 food sampling target",
    "深圳十四五期间PM2.5的目标定在多少",
    "大连邮政业2019年的业务总量做到了多大规模",
    "“十三五”期间福建有多少项工程拿到了鲁班奖",
] * 2


@pytest.mark.model
def test_ten_concurrent_requests_are_all_answered(client):
    alone = {q: ask(client, q) for q in CONCURRENT[:5]}
    jobs = [client.submit(q, [], "", api_name="/ask") for q in CONCURRENT]
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(lambda job: tuple(job.result(timeout=120)), jobs))
    assert len(results) == 10
    for question, result in zip(CONCURRENT, results, strict=True):
        assert result == alone[question], question
        assert 'class="pq-card pq-passage"' in result[2], question
    assert "10批次/千人" in results[0][2] and "10批次/千人" in results[5][2]


@pytest.mark.model
def test_the_other_endpoints_answer_over_http(client, engine):
    doc_ids = [d.doc_id for d in engine.documents[:2]]
    comparison = client.predict("2025年目标", doc_ids, api_name="/compare")
    assert comparison.count('class="pq-card pq-col"') == 2
    chunk = engine.chunks[10]
    source = client.predict(chunk.text[:40], api_name="/cite")
    assert f'data-doc="{chunk.doc_id}"' in source and '<mark class="match">' in source


@pytest.mark.model
def test_planqa_serve_loads_the_models_before_it_listens(built_index, tmp_path):
    """``app_serve.main`` as ``planqa serve`` runs it: load, warm both encoders up, then listen; the
    first answers over HTTP are right. (How long they take is benchmarks/bench_serve.py's to measure.)"""
    from gradio_client import Client

    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    code = f"import app_serve; app_serve.main(host='127.0.0.1', port={port}, index={str(built_index)!r})"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.time() + 300
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.time() < deadline, "server did not start in 300 s"
                time.sleep(0.5)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        question = "深圳到2025年食品抽检要达到什么水平"
        for _ in range(2):
            answer, _, passages, _ = client.predict(question, [], "", api_name="/ask")
            assert "10批次/千人" in answer + passages
        logged = (tmp_path / "serve.log").read_text()
        assert logged.index("Loading the models") < logged.index("serving at http://127.0.0.1:")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
