#!/usr/bin/env python3
"""Benchmark `textci search`: query time on 10,000+ passages, and precision at 10 on the dev set, in one run.

Speed: a workspace of the training corpus's passages (corpora/training, six
languages), copied three times under other documents and cities to pass
10,000 passages (the copies share their vectors, as an archive's repeated
boilerplate does). With the index loaded (as `textci serve` and a notebook
hold it), 100 English queries per mode, each timed once after one warm-up;
median and 95th percentile, and the ratio to the baseline measured in the same
run: embedding the query and a plain cosine over all passage vectors (numpy).
The whole CLI command (`textci search WS QUERY --json`, a new process that
loads the index) is timed beside it.

Quality: ../shared/eval/dev.jsonl turned into a workspace (one document per
language; the default model's predictions), one English query per label;
precision at 10 (a hit is relevant when its gold labels hold the label), and
the number of languages among the ten, per mode and for plain embedding
cosine computed outside textci (argsort of the dot products).

    .venv/bin/python scripts/bench_search.py [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
MODES = ("keyword", "semantic", "hybrid")

LABEL_QUERIES = {  # one English query per label, written from LABELS.md's meaning, not from the dev passages
    "common_agenda": "partners agreed a joint strategy with shared goals",
    "shared_measurement": "all partners collect the same indicators and share data",
    "mutually_reinforcing_activities": "each partner takes on the part of the plan it does best",
    "continuous_communication": "partners meet regularly to exchange information",
    "backbone_support": "a coordination office supports the partnership",
    "street_crime": "robbery, burglary and theft in the streets",
    "gang_violence": "violence between youth gangs and knife crime",
    "substance_abuse_nightlife": "alcohol and drugs in the nightlife district",
    "youth_authority_polarisation": "tension between young people and the police",
    "discrimination_minorities": "discrimination against ethnic minorities",
    "radicalisation_extremism": "preventing radicalisation and violent extremism",
    "youth_justice": "young offenders and juvenile justice",
    "public_space_safety": "safety of squares, parks and public transport",
}


def write_workspace(folder: Path, samples, predictions: dict, copies: int = 1) -> int:
    """A workspace of loose passages: one document per language (and copy), each its own city."""
    from textci.io import write_jsonl
    from textci.markers import mark_output

    mark_output(folder, "bench_search")
    documents, passages, predicted, cities = [], [], [], ["file,city,country,year,kind"]
    for copy in range(copies):
        for lang in sorted({s.lang for s in samples}):
            file = f"{lang}_{copy}.txt"
            city = f"City {lang.upper()} {copy}"
            documents.append({"doc_id": f"{lang}{copy}", "file": file, "pages": 1, "lang": lang, "status": "ok",
                              "method": "text"})
            cities.append(f"{file},{city},,2020,report")
            for s in (s for s in samples if s.lang == lang):
                pid = f"{s.id}#{copy}"
                passages.append({"id": pid, "doc_id": f"{lang}{copy}", "file": file, "page": 1, "char_start": 0,
                                 "char_end": len(s.text), "lang": lang, "text": s.text})
                predicted.append(dict(predictions[s.id], id=pid))
    write_jsonl(folder / "documents.jsonl", documents)
    write_jsonl(folder / "passages.jsonl", passages)
    write_jsonl(folder / "predictions.jsonl", predicted)
    (folder / "cities.csv").write_text("\n".join(cities) + "\n", encoding="utf-8")
    return len(passages)


def classified(samples) -> dict:
    from textci.classification import load

    return {p.id: p.to_json() for p in load("default").classify(samples)}


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def speed(folder: Path, queries: list[str]) -> dict:
    import numpy as np

    from textci.explore.search import open_index

    t = time.perf_counter()
    index = open_index(folder)
    load_seconds = time.perf_counter() - t
    out = {"passages": len(index.ids), "load_s": round(load_seconds, 2)}

    def baseline(query):
        q = index._query_vector(query)
        scores = index.vectors @ q
        return np.argsort(-scores)[:20]

    timed = {"baseline": baseline, **{m: (lambda query, m=m: index.search(query, 20, mode=m)) for m in MODES}}
    for query in queries[:10]:  # warm up the encoder and BLAS before anything is timed
        for call in timed.values():
            call(query)
    times = {name: [] for name in timed}
    for query in queries:  # modes take turns on each query, so a busy machine slows all of them alike
        for name, call in timed.items():
            t = time.perf_counter()
            call(query)
            times[name].append((time.perf_counter() - t) * 1000)
    for name, values in times.items():
        out[name] = {"median_ms": round(statistics.median(values), 2), "p95_ms": round(percentile(values, 0.95), 2)}
    cli = []
    for query in queries[:5]:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "textci.cli", "search", str(folder), query, "--json"], check=True,
                       capture_output=True, cwd=ROOT)
        cli.append(time.perf_counter() - t)
    out["cli_s"] = round(statistics.median(cli), 2)
    out["load_average"] = round(os.getloadavg()[0], 1)
    out["cores"] = os.cpu_count()
    return out


def quality(folder: Path, gold: dict) -> dict:
    import numpy as np

    from textci.explore.search import open_index

    index = open_index(folder)
    rows = {}
    for label, query in LABEL_QUERIES.items():
        q = index._query_vector(query)
        plain = [index.ids[i] for i in np.argsort(-(index.vectors @ q), kind="stable")[:10]]
        ranked = {"plain cosine": plain}
        for mode in MODES:
            ranked[mode] = [h.id for h in index.search(query, 10, mode=mode)]
        matched = index.matching_label(q)
        rows[label] = {name: {"p@10": sum(label in gold[i]["labels"] for i in ids) / 10,
                              "languages": len({gold[i]["lang"] for i in ids})} for name, ids in ranked.items()}
        rows[label]["label_matched"] = index._label_ids[matched] if matched is not None else None
    names = ["plain cosine", *MODES]
    rows["mean"] = {n: {"p@10": round(statistics.mean(rows[lab][n]["p@10"] for lab in LABEL_QUERIES), 3),
                        "languages": round(statistics.mean(rows[lab][n]["languages"] for lab in LABEL_QUERIES), 1)}
                    for n in names}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    from textci import codebook
    from textci.classification import load_training
    from textci.data import Sample

    rng = random.Random(0)
    with tempfile.TemporaryDirectory(prefix="bench_search.") as tmp:
        training = load_training(None, codebook.load(None))
        big = Path(tmp) / "big"
        n = write_workspace(big, training, classified(training), copies=3)
        english = [s.text for s in training if s.lang == "en"]
        queries = list(LABEL_QUERIES.values()) + [" ".join(t.split()[:rng.randint(3, 8)])
                                                  for t in rng.sample(english, 100 - len(LABEL_QUERIES))]
        fast = speed(big, queries)

        gold = {}
        for line in DEV.read_text("utf-8").splitlines():
            record = json.loads(line)
            gold[f"{record['id']}#0"] = record
        dev_samples = [Sample(r["id"], r["text"], r["lang"]) for r in gold.values()]
        dev = Path(tmp) / "dev"
        write_workspace(dev, dev_samples, classified(dev_samples))
        good = quality(dev, gold)

    print(f"\nSpeed: {fast['passages']} passages, index loaded in {fast['load_s']} s; 100 English queries, k=20; "
          f"{fast['cores']} cores, load average {fast['load_average']} at the end")
    print("| mode | median ms | p95 ms | x baseline (median) |\n|---|---:|---:|---:|")
    base = fast["baseline"]["median_ms"]
    for name in ("baseline", *MODES):
        label = "query embedding + plain cosine, numpy (baseline)" if name == "baseline" else name
        print(f"| {label} | {fast[name]['median_ms']:.1f} | {fast[name]['p95_ms']:.1f} | "
              f"{fast[name]['median_ms'] / base:.2f} |")
    print(f"| `textci search WS QUERY --json`, whole command (hybrid) | {fast['cli_s'] * 1000:.0f} | | |")

    print(f"\nQuality: {DEV.name} ({len(gold)} passages, 6 languages), one English query per label")
    names = ["plain cosine", *MODES]
    print("| label | " + " | ".join(f"{n} P@10 (langs)" for n in names) + " |\n|---|" + "---:|" * len(names))
    for label in [*LABEL_QUERIES, "mean"]:
        cells = " | ".join(f"{good[label][n]['p@10']:.2f} ({good[label][n]['languages']})" for n in names)
        extra = f" (label: {good[label]['label_matched']})" if label != "mean" and good[label]["label_matched"] else ""
        print(f"| {label}{extra} | {cells} |")
    if args.json:
        args.json.write_text(json.dumps({"speed": fast, "quality": good}, indent=1) + "\n")


if __name__ == "__main__":
    main()
