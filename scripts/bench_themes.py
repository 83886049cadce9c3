#!/usr/bin/env python3
"""Benchmark themes: textci's configuration against BERTopic's defaults, on 10,000 passages, in one run.

The passages are real: those `textci extract` gets from ../shared/realpdfs and
corpora/sample, plus the team-written passages of corpora/training; to reach
10,000 the rest are new passages recombined from 1-3 sentences of one real
document. Embeddings (USE, of the masked text) are computed once and cached,
so both rows time clustering and labelling only; the import of BERTopic (and
with it numba) is timed on its own.

    .venv/bin/python scripts/bench_themes.py [--passages 10000] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def real_passages():
    from textci.data import Sample
    from textci.extraction import ExtractOptions, extract

    folders = [ROOT.parent / "shared" / "realpdfs", ROOT / "corpora" / "sample"]
    result = extract([f for f in folders if f.is_dir()], ExtractOptions(ocr=False), include=["*.pdf"])
    passages = [Sample(p.id, p.text, p.lang) for p in result.passages]
    docs = {p.id: p.doc_id for p in result.passages}
    for path in sorted((ROOT / "corpora" / "training" / "written").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            passages.append(Sample(record["id"], record["text"], record["lang"]))
            docs[record["id"]] = f"training:{path.stem}:{record['lang']}"
    return passages, docs


def recombined(passages, docs, total: int, seed: int = 0):
    """Fill up to `total` with new passages of 1-3 sentences from one document."""
    from textci.data import Sample
    from textci.segment.sentences import sentence_spans

    rng = random.Random(seed)
    by_doc: dict[str, list[tuple[str, str]]] = {}
    for p in passages:
        lang = p.lang if p.lang in ("en", "fr", "de", "nl", "it", "es") else "xx"
        for start, end in sentence_spans(p.text, lang):
            if len(p.text[start:end]) > 30:
                by_doc.setdefault(docs[p.id], []).append((p.lang, p.text[start:end]))
    keys = sorted(by_doc)
    seen, out = {p.text for p in passages}, list(passages)
    while len(out) < total:
        sentences = by_doc[rng.choice(keys)]
        picks = [rng.choice(sentences) for _ in range(rng.randint(1, 3))]
        text = " ".join(s for _, s in picks)
        if text not in seen:
            seen.add(text)
            out.append(Sample(f"mix-{len(out):05d}", text, picks[0][0]))
    return out[:total]


def describe(name, seconds, topics, langs, extra=""):
    themes = sorted({t for t in topics if t >= 0})
    outliers = sum(t < 0 for t in topics) / len(topics)
    purity, multilingual = [], 0
    for theme in themes:
        counts = Counter(l for l, t in zip(langs, topics) if t == theme)
        purity.append(max(counts.values()) / sum(counts.values()))
        multilingual += sum(v >= 0.1 * sum(counts.values()) for v in counts.values()) >= 2
    return {"config": name, "seconds": round(seconds, 2), "themes": len(themes), "outlier_share": round(outliers, 4),
            "mean_language_purity": round(sum(purity) / max(1, len(purity)), 3),
            "multilingual_themes": multilingual, "note": extra}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("TEXTCI_CACHE", str(Path(tempfile.gettempdir()) / "textci-bench-themes-cache"))

    from textci.classification.embeddings import get_embedder
    from textci.themes import ThemeConfig, fit_themes
    from textci.themes.masking import NameMasker

    passages, docs = real_passages()
    real = len(passages)
    passages = recombined(passages, docs, args.passages)
    print(f"{len(passages)} passages ({real} real, {len(passages) - real} recombined from real sentences)")
    texts, langs = [p.text for p in passages], [p.lang for p in passages]
    groups = [docs.get(p.id, "mix") for p in passages]

    started = time.perf_counter()
    masker = NameMasker().fit(texts, langs)
    masked = [masker.mask(t) for t in texts]
    embedder = get_embedder("use")
    vectors = embedder.embed(masked)
    print(f"embedding (USE, cached for both rows): {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    import bertopic  # noqa: F401  (pulls in umap and numba)
    import_seconds = time.perf_counter() - started
    rows = []

    started = time.perf_counter()
    ours = fit_themes(passages, ThemeConfig(), groups=groups, embedder=embedder)
    seconds = time.perf_counter() - started
    again = fit_themes(passages, ThemeConfig(), groups=groups, embedder=embedder)
    same = [a.theme for a in ours.assignments] == [a.theme for a in again.assignments]
    rows.append(describe("textci (PCA 48 + k-means, language-centred)", seconds,
                         [a.theme for a in ours.assignments], langs, f"deterministic={same}"))

    from bertopic import BERTopic

    started = time.perf_counter()
    default = BERTopic(language="multilingual", verbose=False)  # UMAP(5) + HDBSCAN(10) + CountVectorizer
    topics, _ = default.fit_transform(masked, embeddings=vectors)
    rows.append(describe("BERTopic defaults (UMAP 5 + HDBSCAN 10)", time.perf_counter() - started, topics, langs))

    baseline = rows[1]["seconds"]
    print(f"import bertopic (+umap, numba): {import_seconds:.1f} s, once per process, not in the rows below")
    print(f"{'configuration':46s} {'seconds':>8s} {'x default':>9s} {'themes':>6s} {'outliers':>8s} "
          f"{'lang purity':>11s} {'multilingual':>12s}")
    for row in rows:
        print(f"{row['config']:46s} {row['seconds']:8.1f} {baseline / row['seconds']:8.1f}x {row['themes']:6d} "
              f"{row['outlier_share']:8.1%} {row['mean_language_purity']:11.2f} {row['multilingual_themes']:12d}"
              + (f"  {row['note']}" if row["note"] else ""))
    if args.json:
        args.json.write_text(json.dumps({"passages": len(passages), "import_seconds": import_seconds,
                                         "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
