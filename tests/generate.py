#!/usr/bin/env python3
"""Generate a synthetic awesome-list of papers in the shape of seeds/awesome-lm-system.md.

    python -m tests.generate 100000 -o /tmp/list.md [--seed 0]     (from the repository root)

The output has a title line and intro, a table of contents, ``## Papers`` with several
``###`` sections (one ``| Year | Publisher | Title | Framework |`` table each) and a
``## Frameworks`` table whose ``<span id="slug"></span>`` anchors the papers' framework
links point at. What it contains, on purpose:

* ``n`` distinct papers, unique titles (word lists + an injective made-up system name, so
  they stay unique case-insensitively) and unique URLs (arXiv, ACM DOI, PMLR, OpenReview);
* about 5% of the papers listed in two sections (identical row in both);
* about 25% empty venue cells (those papers always have an arXiv URL; arXiv ids are
  unique per paper), real venues and a share of misspelled ones (NeuraIPS, NIPS,
  "SIGKDD Tutorial", "USENIX ATC", ...);
* about 20% empty framework cells, otherwise exactly one ``[Name](#slug)`` link;
* years 2015-2025, rows sorted by year (descending) within a section, like the seed;
* columns padded to equal width, like the seed's tables.

The output depends only on ``n`` and ``seed``. Tests call ``generate(n, seed)`` (``from
.generate import generate``); ``benchmarks/run.py`` imports it as ``tests.generate``.
"""

from __future__ import annotations

import argparse
import random
import sys

__all__ = ["generate", "FRAMEWORKS", "SECTIONS"]

YEARS = list(range(2015, 2026))

# Section name -> share of the papers.
SECTIONS: list[tuple[str, float]] = [
    ("Training", 0.30),
    ("Inference", 0.25),
    ("Serving", 0.15),
    ("Compression", 0.15),
    ("Benchmark", 0.08),
    ("Survey", 0.07),
]

# (venue as written in the list, weight). Misspellings/variants are spelled as seen in
# real lists (the seed has NeuraIPS, "SIGKDD Tutorial", ATC).
REAL_VENUES: list[tuple[str, int]] = [
    ("NeurIPS", 14),
    ("ICML", 12),
    ("ICLR", 10),
    ("OSDI", 6),
    ("SOSP", 4),
    ("SC", 6),
    ("MLSys", 7),
    ("EuroSys", 5),
    ("ATC", 4),
    ("NSDI", 4),
    ("ASPLOS", 5),
    ("PPoPP", 3),
    ("IPDPS", 3),
    ("ICS", 2),
    ("HiPC", 1),
    ("ACL", 5),
    ("EMNLP", 4),
    ("KDD", 3),
    ("VLDB", 2),
    ("SIGMOD", 2),
    ("ISCA", 2),
    ("MICRO", 2),
    ("HPCA", 2),
    ("AAAI", 3),
    ("CVPR", 2),
    ("SoCC", 1),
    ("HPDC", 1),
    ("TPDS", 1),
]
MISSPELLED_VENUES: list[tuple[str, int]] = [
    ("NeuraIPS", 5),
    ("NIPS", 4),
    ("SIGKDD Tutorial", 2),
    ("USENIX ATC", 3),
    ("Neurips", 2),
    ("MLsys", 2),
    ("Sosp", 1),
    ("Eurosys", 1),
    ("ICML Workshop", 1),
]
MISSPELLED_SHARE = 0.12  # of the rows that have a venue

# Where papers of a venue usually live (others get a mix).
VENUE_URL_KIND = {
    "ICML": "pmlr",
    "ICML Workshop": "pmlr",
    "ICLR": "openreview",
    "NeurIPS": "openreview",
    "NeuraIPS": "openreview",
    "NIPS": "openreview",
    "Neurips": "openreview",
    "SC": "acm",
    "SOSP": "acm",
    "EuroSys": "acm",
    "Eurosys": "acm",
    "ASPLOS": "acm",
    "PPoPP": "acm",
    "KDD": "acm",
    "SIGKDD Tutorial": "acm",
    "SIGMOD": "acm",
    "ICS": "acm",
    "SoCC": "acm",
    "HPDC": "acm",
    "ISCA": "acm",
    "MICRO": "acm",
}

# ~50 frameworks: (slug, name, github path, first year, training, inference, serving, comment)
FRAMEWORKS: list[tuple[str, str, str, int, bool, bool, bool, str]] = [
    (
        "ds",
        "DeepSpeed",
        "microsoft/DeepSpeed",
        2020,
        True,
        True,
        False,
        "General Support of Transformers and MoE with 3d-parallelism",
    ),
    ("megatron", "Megatron-LM", "NVIDIA/Megatron-LM", 2019, True, False, False, ""),
    (
        "alpa",
        "Alpa",
        "alpa-projects/alpa",
        2022,
        True,
        True,
        True,
        "Compilation based mixed parallelism",
    ),
    (
        "megatron-ds",
        "Megatron-DeepSpeed",
        "microsoft/Megatron-DeepSpeed",
        2021,
        True,
        False,
        False,
        "Add MoE model training, Curriculum Learning, 3D Parallelism from DeepSpeed",
    ),
    ("terapipe", "TeraPipe", "zhuohan123/terapipe", 2021, True, False, False, ""),
    ("pipedream", "PipeDream", "msr-fiddle/pipedream", 2019, True, False, False, ""),
    (
        "gpipe",
        "TorchGpipe",
        "kakaobrain/torchgpipe",
        2019,
        True,
        False,
        False,
        "The `torchgpipe` has been merged to PyTorch in 2020.",
    ),
    ("vllm", "vLLM", "vllm-project/vllm", 2023, False, True, True, "PagedAttention"),
    (
        "tgi",
        "Text Generation Inference",
        "huggingface/text-generation-inference",
        2023,
        False,
        True,
        True,
        "",
    ),
    ("trt-llm", "TensorRT-LLM", "NVIDIA/TensorRT-LLM", 2023, False, True, True, ""),
    ("ft", "FasterTransformer", "NVIDIA/FasterTransformer", 2021, False, True, False, ""),
    (
        "fairscale",
        "FairScale",
        "facebookresearch/fairscale",
        2020,
        True,
        False,
        False,
        "FSDP precursor",
    ),
    ("colossal", "ColossalAI", "hpcaitech/ColossalAI", 2021, True, True, False, ""),
    (
        "flexgen",
        "FlexGen",
        "FMInference/FlexGen",
        2023,
        False,
        True,
        False,
        "Offloading for a single GPU",
    ),
    ("lightllm", "LightLLM", "ModelTC/lightllm", 2023, False, True, True, ""),
    ("sglang", "SGLang", "sgl-project/sglang", 2024, False, True, True, "RadixAttention"),
    ("mlc-llm", "MLC LLM", "mlc-ai/mlc-llm", 2023, False, True, False, ""),
    ("llama-cpp", "llama.cpp", "ggerganov/llama.cpp", 2023, False, True, False, ""),
    ("exllama", "ExLlama", "turboderp/exllama", 2023, False, True, False, ""),
    ("gptq", "GPTQ", "IST-DASLab/gptq", 2022, False, True, False, "Post-training quantization"),
    ("awq", "AWQ", "mit-han-lab/llm-awq", 2023, False, True, False, ""),
    ("bnb", "bitsandbytes", "TimDettmers/bitsandbytes", 2021, True, True, False, ""),
    ("peft", "PEFT", "huggingface/peft", 2023, True, False, False, ""),
    ("accelerate", "Accelerate", "huggingface/accelerate", 2021, True, True, False, ""),
    ("horovod", "Horovod", "horovod/horovod", 2017, True, False, False, ""),
    ("byteps", "BytePS", "bytedance/byteps", 2019, True, False, False, ""),
    ("mesh-tf", "Mesh TensorFlow", "tensorflow/mesh", 2018, True, False, False, ""),
    ("gshard", "GShard", "tensorflow/lingvo", 2020, True, False, False, ""),
    ("fastmoe", "FastMoE", "laekov/fastmoe", 2021, True, False, False, ""),
    ("tutel", "Tutel", "microsoft/tutel", 2022, True, True, False, ""),
    ("megablocks", "MegaBlocks", "stanford-futuredata/megablocks", 2022, True, False, False, ""),
    ("oneflow", "OneFlow", "Oneflow-Inc/oneflow", 2021, True, True, False, ""),
    ("paddle", "PaddlePaddle", "PaddlePaddle/Paddle", 2018, True, True, True, ""),
    ("mindspore", "MindSpore", "mindspore-ai/mindspore", 2020, True, True, False, ""),
    ("ray", "Ray", "ray-project/ray", 2018, True, True, True, ""),
    (
        "triton",
        "Triton Inference Server",
        "triton-inference-server/server",
        2019,
        False,
        True,
        True,
        "",
    ),
    ("torchserve", "TorchServe", "pytorch/serve", 2020, False, False, True, ""),
    ("bentoml", "BentoML", "bentoml/BentoML", 2019, False, False, True, ""),
    ("orca", "Orca", "orca-serving/orca", 2022, False, True, True, "Iteration-level scheduling"),
    ("petals", "Petals", "bigscience-workshop/petals", 2022, True, True, True, "BitTorrent-style"),
    ("flashattn", "FlashAttention", "Dao-AILab/flash-attention", 2022, True, True, False, ""),
    ("xformers", "xFormers", "facebookresearch/xformers", 2022, True, True, False, ""),
    ("torchtitan", "TorchTitan", "pytorch/torchtitan", 2024, True, False, False, ""),
    ("nanotron", "Nanotron", "huggingface/nanotron", 2024, True, False, False, ""),
    ("deepspeed-mii", "DeepSpeed-MII", "microsoft/DeepSpeed-MII", 2022, False, True, True, ""),
    ("powerinfer", "PowerInfer", "SJTU-IPADS/PowerInfer", 2023, False, True, False, ""),
    (
        "distserve",
        "DistServe",
        "LLMServe/DistServe",
        2024,
        False,
        True,
        True,
        "Prefill/decode disaggregation",
    ),
    ("mooncake", "Mooncake", "kvcache-ai/Mooncake", 2024, False, True, True, ""),
    ("slora", "S-LoRA", "S-LoRA/S-LoRA", 2023, False, True, True, ""),
    ("punica", "Punica", "punica-ai/punica", 2023, False, True, True, ""),
    (
        "zero-bubble",
        "Zero Bubble PP",
        "sail-sg/zero-bubble-pipeline-parallelism",
        2024,
        True,
        False,
        False,
        "",
    ),
]

# --- title material ----------------------------------------------------------------------

_SYL = [
    "al",
    "ba",
    "ce",
    "da",
    "el",
    "fa",
    "ga",
    "ha",
    "io",
    "ja",
    "ka",
    "lo",
    "ma",
    "ne",
    "or",
    "pa",
    "qu",
    "ra",
    "sa",
    "ta",
    "ul",
    "va",
    "we",
    "xe",
    "yo",
    "za",
    "bri",
    "cro",
    "dre",
    "fle",
    "gro",
    "kri",
    "pla",
    "sto",
    "tri",
    "vor",
    "zen",
    "mir",
    "lux",
    "tor",
]  # 40 distinct syllables; names are built injectively from a counter (see _name)
_NAME_STYLES = ("cap", "camel", "upper_tail", "acro_prefix", "acro_suffix", "plain")
_ACRONYMS = [
    "GPT",
    "MoE",
    "LLM",
    "KV",
    "LoRA",
    "BERT",
    "GPU",
    "TPU",
    "RLHF",
    "DNN",
    "SSD",
    "NVMe",
    "RDMA",
    "FP8",
    "INT4",
    "CPU",
]
_ADJ = [
    "Efficient",
    "Scalable",
    "Fast",
    "Elastic",
    "Adaptive",
    "Memory-Efficient",
    "Communication-Efficient",
    "Fault-Tolerant",
    "Heterogeneity-Aware",
    "Low-Latency",
    "High-Throughput",
    "Cost-Effective",
    "Energy-Efficient",
    "Automated",
    "Dynamic",
    "Distributed",
    "Decentralized",
    "Speculative",
    "Sparse",
    "Hierarchical",
]
_TOPIC = [
    "Training",
    "Inference",
    "Serving",
    "Fine-Tuning",
    "Pipeline Parallelism",
    "Tensor Parallelism",
    "Expert Parallelism",
    "Quantization",
    "Pruning",
    "Distillation",
    "Offloading",
    "Scheduling",
    "Checkpointing",
    "Batching",
    "Attention Kernels",
    "Gradient Compression",
    "KV Cache Management",
    "Activation Recomputation",
    "Load Balancing",
    "Data Loading",
]
_OBJECT = [
    "Large Language Models",
    "Mixture-of-Experts Models",
    "Transformer Models",
    "Foundation Models",
    "Multi-Modal Models",
    "Diffusion Models",
    "Recommendation Models",
    "Long-Context LLMs",
    "Trillion-Parameter Models",
    "Vision Transformers",
    "Graph Neural Networks",
    "Speech Models",
    "Generative Language Models",
    "Deep Learning Workloads",
    "Sparse Models",
]
_SETTING = [
    "on Commodity Clusters",
    "at Scale",
    "on Heterogeneous GPUs",
    "in the Cloud",
    "on the Edge",
    "with Limited Memory",
    "across Datacenters",
    "on a Single GPU",
    "under Preemption",
    "over Slow Networks",
    "with Serverless Functions",
    "on Supercomputers",
]
_SURNAMES = [
    "zhang",
    "wang",
    "li",
    "liu",
    "chen",
    "smith",
    "kim",
    "lee",
    "patel",
    "garcia",
    "nguyen",
    "muller",
    "rossi",
    "tanaka",
    "kumar",
    "ivanov",
    "silva",
    "cohen",
    "rajbhandari",
    "narayanan",
    "shoeybi",
    "zheng",
    "kwon",
    "dao",
    "yu",
    "sheng",
]
_OR_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def _name(i: int, style: str) -> str:
    """A made-up system name, injective in i (4 base-40 syllables, 2.56M names)."""
    parts = []
    for _ in range(4):
        i, r = divmod(i, len(_SYL))
        parts.append(_SYL[r])
    base = "".join(parts)
    if style == "camel":  # e.g. "TalOmir" -> first and third syllable capitalised
        return parts[0].capitalize() + parts[1] + parts[2].capitalize() + parts[3]
    if style == "upper_tail":
        return base[:-2].capitalize() + base[-2:].upper()
    if style == "acro_prefix":
        return "__ACRO__-" + base.capitalize()
    if style == "acro_suffix":
        return base.capitalize() + "-__ACRO__"
    return base.capitalize()


def _title(rng: random.Random, i: int) -> str:
    style = rng.choice(_NAME_STYLES)
    name = _name(i, style)
    if "__ACRO__" in name:
        name = name.replace("__ACRO__", rng.choice(_ACRONYMS))
    adj, topic, obj = rng.choice(_ADJ), rng.choice(_TOPIC), rng.choice(_OBJECT)
    form = rng.randrange(9)
    if form == 0:
        t = f"{name}: {adj} {topic} for {obj}"
    elif form == 1:
        t = f"{name}: Towards {adj} {topic} of {obj} {rng.choice(_SETTING)}"
    elif form == 2:
        t = f"{adj} {topic} for {obj} with {name}"
    elif form == 3:
        t = f"{name}: Scaling {obj} {rng.choice(_SETTING)}"
    elif form == 4:
        acr = rng.choice(_ACRONYMS)
        t = f"{name}: {acr}-Aware {topic} for {obj}"
    elif form == 5:
        t = f"Understanding {topic} in {obj}: Lessons from {name}"
    elif form == 6:
        t = f"{name}: Democratizing {topic} of {obj}"
    elif form == 7:
        t = f"{name}: {adj} and {rng.choice(_ADJ)} {topic} {rng.choice(_SETTING)}"
    else:
        t = f"A Survey of {topic} for {obj} ({name})"
    if rng.random() < 0.05:
        t += "."  # the seed has a few titles ending with a full stop
    return t


# --- rows --------------------------------------------------------------------------------


def _pick_venue(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return ""
    pool = MISSPELLED_VENUES if rng.random() < MISSPELLED_SHARE else REAL_VENUES
    names = [v for v, _ in pool]
    weights = [w for _, w in pool]
    return rng.choices(names, weights)[0]


class _Urls:
    """Unique URLs of four kinds."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.arxiv_next: dict[str, int] = {}
        self.acm = 0
        self.pmlr_count = 0
        self.openreview: set[str] = set()

    def arxiv(self, year: int) -> str:
        yymm = f"{year % 100:02d}{self.rng.randint(1, 12):02d}"
        # ids in a month grow with a small random gap, so they are unique and look sparse
        n = self.arxiv_next.get(yymm, self.rng.randint(1, 400)) + self.rng.randint(1, 7)
        if n > 99999:  # month full (only for absurd n): spill into another month
            return self.arxiv(year)
        self.arxiv_next[yymm] = n
        return f"https://arxiv.org/abs/{yymm}.{n:05d}"

    def doi(self, year: int) -> str:
        self.acm += 1
        return (
            f"https://dl.acm.org/doi/10.1145/{3300000 + (year - 2015) * 90000 + self.acm}"
            f".{3400000 + self.acm * 3 + self.rng.randint(0, 2)}"
        )

    def pmlr(self, year: int) -> str:
        self.pmlr_count += 1
        volume = 37 + (year - 2015) * 16 + self.rng.randint(0, 3)
        slug = f"{self.rng.choice(_SURNAMES)}{year % 100:02d}{_b26(self.pmlr_count)}"
        return f"https://proceedings.mlr.press/v{volume}/{slug}.html"

    def openreview_(self) -> str:
        while True:
            oid = "".join(self.rng.choice(_OR_CHARS) for _ in range(10))
            if oid not in self.openreview:
                self.openreview.add(oid)
                return f"https://openreview.net/forum?id={oid}"

    def for_venue(self, venue: str, year: int) -> str:
        if not venue or self.rng.random() < 0.25:
            return self.arxiv(year)
        kind = VENUE_URL_KIND.get(venue) or self.rng.choice(("acm", "arxiv", "pmlr", "openreview"))
        if kind == "acm":
            return self.doi(year)
        if kind == "pmlr":
            return self.pmlr(year)
        if kind == "openreview":
            return self.openreview_()
        return self.arxiv(year)


def _b26(k: int) -> str:
    s = ""
    while True:
        k, r = divmod(k, 26)
        s = chr(97 + r) + s
        if k == 0:
            return s


def _table(header: list[str], aligns: list[str], rows: list[list[str]]) -> list[str]:
    """Markdown table padded like the seed's (':' alignment markers, equal widths)."""
    widths = [len(h) for h in header]
    for r in rows:
        for j, c in enumerate(r):
            if len(c) > widths[j]:
                widths[j] = len(c)

    def fmt(cells: list[str]) -> str:
        out = []
        for j, c in enumerate(cells):
            w = widths[j]
            out.append(c.center(w) if aligns[j] == "c" else c.ljust(w))
        return "| " + " | ".join(out) + " |"

    sep = []
    for j, w in enumerate(widths):
        sep.append(":" + "-" * w + ":" if aligns[j] == "c" else ":" + "-" * (w + 1))
    lines = [fmt(header), "|" + "|".join(sep) + "|"]
    lines.extend(fmt(r) for r in rows)
    return lines


def generate(n: int, seed: int = 0) -> str:
    """Return a synthetic awesome-list with ``n`` distinct papers (deterministic in seed)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)
    urls = _Urls(rng)
    sec_names = [s for s, _ in SECTIONS]
    sec_weights = [w for _, w in SECTIONS]
    fw_slugs = [f[0] for f in FRAMEWORKS]
    fw_names = {f[0]: f[1] for f in FRAMEWORKS}
    fw_weights = [1.0 / (k + 1) ** 0.8 for k in range(len(FRAMEWORKS))]  # a few popular

    # A random offset into the name space, so different seeds get different names.
    name_offset = rng.randrange(len(_SYL) ** 4)
    name_space = len(_SYL) ** 4
    if n > name_space:
        raise ValueError(f"n must be <= {name_space}")
    # a stride coprime to 40**4 (odd and not divisible by 5) spreads names around
    stride = 7919

    by_section: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in sec_names}
    seen_titles: set[str] = set()
    for i in range(n):
        year = rng.choice(YEARS)
        venue = _pick_venue(rng)
        url = urls.for_venue(venue, year)
        title = _title(rng, (name_offset + i * stride) % name_space)
        key = title.casefold()
        if key in seen_titles:  # cannot happen (names are injective); keep it safe anyway
            title = f"{title} ({i})"
            key = title.casefold()
        seen_titles.add(key)
        if rng.random() < 0.20:
            fw = ""
        else:
            slug = rng.choices(fw_slugs, fw_weights)[0]
            fw = f"[{fw_names[slug]}](#{slug})"
        row = [str(year), venue, f"[{title}]({url})", fw]
        sec = rng.choices(sec_names, sec_weights)[0]
        by_section[sec].append((i, row))
        if rng.random() < 0.05:  # listed in a second section too: same row
            other = rng.choice([s for s in sec_names if s != sec])
            by_section[other].append((i, row))

    out: list[str] = []
    out.append(
        "# Awesome Synthetic Large Model (LM) System "
        "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)"
    )
    out.append("")
    out.append(
        f"This list is synthetic: {n} papers generated by tests/generate.py "
        f"(seed {seed}) in the shape of a curated list of papers, repos and tools for "
        "large model systems, including training, inference, serving and compression."
    )
    out.append("")
    out.append(
        "- [Awesome Synthetic Large Model (LM) System ](#awesome-synthetic-large-model-lm-system-)"
    )
    out.append("  - [Papers](#papers)")
    for s in sec_names:
        out.append(f"    - [{s}](#{s.lower()})")
    out.append("  - [Frameworks](#frameworks)")
    out.append("")
    out.append("## Papers")
    out.append("")
    for s in sec_names:
        out.append(f"### {s}")
        out.append("")
        rows = by_section[s]
        rows.sort(key=lambda t: (-int(t[1][0]), t[0]))
        out.extend(
            _table(
                ["Year", "Publisher", "Title", "Framework"],
                ["c", "c", "l", "c"],
                [r for _, r in rows],
            )
        )
        out.append("")
        out.append("")
    out.append("## Frameworks")
    out.append("")
    fw_rows = []
    for slug, name, repo, year, tr, inf, srv, comment in sorted(FRAMEWORKS, key=lambda f: -f[3]):
        fw_rows.append(
            [
                str(year),
                f'<span id="{slug}"></span>[{name}](https://github.com/{repo})',
                "✔" if tr else "✗",
                "✔" if inf else "✗",
                "✔" if srv else "✗",
                comment,
            ]
        )
    out.extend(
        _table(
            ["Year", "Name", "Training", "Inference", "Serving", "Comments"],
            ["c", "c", "l", "c", "c", "l"],
            fw_rows,
        )
    )
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of distinct papers")
    ap.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    text = generate(args.n, args.seed)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
