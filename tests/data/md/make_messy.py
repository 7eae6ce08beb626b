"""Writes messy.md: a hand-written list of 34 paper rows that mixes every format quirk the
importer accepts (BOM, CRLF, tabs, alignment variants, missing outer pipes, escaped pipes,
code spans, inline HTML, duplicates of each kind, misspelled and unknown venues, empty and
multiple framework links, an unknown anchor, a framework defined twice).

Kept beside the fixture so a reader can see how the bytes were made; run it to regenerate.
The expected facts are in tests/test_import_messy.py, counted from the rows below by hand.
"""

from pathlib import Path

ROWS_TRAINING = [
    # 1-8: plain rows, various venues (NeuraIPS and NIPS misspellings, USENIX ATC variant).
    "| 2020 | NeuraIPS | [Accelerating Training of Transformer-Based Language Models with Progressive Layer Dropping](https://proceedings.neurips.cc/paper/2020/hash/a1140a3d0df1c81e24ae954d935e8926-Abstract.html) | [DeepSpeed](#ds) |",
    "| 2019 | NIPS | [GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism](https://proceedings.neurips.cc/paper/2019/hash/093f65e080a295f8076b1c5722a46aa2-Abstract.html) | [GPipe](#gpipe) |",
    "| 2021 | USENIX ATC | [ZeRO-Offload: Democratizing Billion-Scale Model Training.](https://www.usenix.org/conference/atc21/presentation/ren-jie) | [DeepSpeed](#ds) |",
    "| 2021 | SC | [ZeRO-Infinity: Breaking the GPU Memory Wall for Extreme Scale Deep Learning](https://dl.acm.org/doi/abs/10.1145/3458817.3476205) | [DeepSpeed](#ds) |",
    "| 2020 | SC | [ZeRO: memory optimizations toward training trillion parameter models.](https://dl.acm.org/doi/10.5555/3433701.3433727) | [DeepSpeed](#ds) |",
    "| 2022 | OSDI | [Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning](https://www.usenix.org/conference/osdi22/presentation/zheng-lianmin) | [Alpa](#alpa) |",
    "| 2019 | SOSP | [PipeDream: Generalized Pipeline Parallelism for DNN Training](https://dl.acm.org/doi/10.1145/3341301.3359646) | [PipeDream](#pipedream) |",
    "| 2021 | ICML | [TeraPipe: Token-Level Pipeline Parallelism for Training Large-Scale Language Models](http://proceedings.mlr.press/v139/li21y.html) | [TeraPipe](#terapipe) |",
    # 9: two framework links in one cell.
    "| 2021 | SC | [Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM](https://dl.acm.org/doi/10.1145/3458817.3476209) | [Megatron-LM](#megatron), [DeepSpeed](#ds) |",
    # 10: empty framework cell, arXiv preprint.
    "| 2022 |  | [Reducing Activation Recomputation in Large Transformer Models](https://arxiv.org/abs/2205.05198) |  |",
    # 11: escaped pipe in the title.
    "| 2024 |  | [Pipes \\| and more pipes: a study](https://arxiv.org/abs/2401.00001) | [DeepSpeed](#ds) |",
    # 12: a code span holding an (escaped, as GFM requires) pipe.
    "| 2024 |  | [The `a\\|b` operator considered harmful](https://arxiv.org/abs/2401.00002) |  |",
    # 13: an unknown venue (reported once although used twice, see row 27).
    "| 2023 | WorkshopOnThings | [An Unknown Venue Paper](https://example.org/papers/unknown-venue) | [DeepSpeed](#ds) |",
    # 14: doubly encoded OpenReview link.
    "| 2023 | ICLR | [DySR: Adaptive Super-Resolution via Algorithm and System Co-design](https://openreview.net/forum?id%253DPgtn4l6eKjv) | [DeepSpeed](#ds) |",
    # 15: link to a framework no row defines (imported without it under --lenient).
    "| 2023 |  | [Paper Linking a Missing Framework](https://arxiv.org/abs/2301.99999) | [Ghost](#ghost) |",
]
ROWS_INFERENCE = [  # no outer pipes, tabs around cells
    # 16: the same paper as row 21 (Compression) by title; this one is the arXiv preprint.
    "2022\t|\t\t| [ZeroQuant: Efficient and Affordable Post-Training Quantization for Large-Scale Transformers](https://arxiv.org/abs/2206.01861) | [DeepSpeed](#ds)",
    # 17: inline HTML in the title.
    "2023 | NeurIPS | [H<sub>2</sub>O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models](https://arxiv.org/abs/2306.14048) | ",
    # 18: the same arXiv paper as row 10 (pdf link with version): one paper in two sections.
    "2022 |  | [Reducing Activation Recomputation in Large Transformer Models](http://arxiv.org/pdf/2205.05198v1.pdf) | [Megatron-LM](#megatron)",
    # 19-20: plain rows.
    "2022 | SC | [DeepSpeed Inference: Enabling Efficient Inference of Transformer Models at Unprecedented Scale](https://dl.acm.org/doi/abs/10.5555/3571885.3571946) | [DeepSpeed](#ds)",
    "2023 | OSDI | [AlpaServe: Statistical Multiplexing with Model Parallelism for Deep Learning Serving](https://arxiv.org/abs/2302.11665) | [Alpa](#alpa)",
]
ROWS_COMPRESSION = [  # a new section, right-aligned separator, no cell padding
    # 21: peer-reviewed version of row 16 (title differs only in case and a trailing period).
    "|2022|NeuraIPS|[ZeroQuant: efficient and affordable post-training quantization for large-scale transformers.](https://openreview.net/forum?id%253Df-fVCElZ-G1)|[DeepSpeed](#ds)|",
    # 22: DOI given twice, as doi.org and as dl.acm.org: rows 22 and 23 are one paper.
    "|2020|SIGKDD Tutorial|[DeepSpeed: System Optimizations Enable Training Deep Learning Models with Over 100 Billion Parameters.](https://dl.acm.org/doi/10.1145/3394486.3406703)|[DeepSpeed](#ds)|",
    "|2020|KDD Tutorial|[DeepSpeed System Optimizations (tutorial)](https://doi.org/10.1145/3394486.3406703)|[DeepSpeed](#ds)|",
    # 24: same URL as row 6 after normalisation (http, no www, trailing slash): one paper.
    "|2022|OSDI|[Alpa (OSDI version)](http://usenix.org/conference/osdi22/presentation/zheng-lianmin/)|[Alpa](#alpa)|",
    # 25-30: plain rows.
    "|2022|NeurIPS|[Extreme Compression for Pre-trained Transformers Made Simple and Efficient](https://openreview.net/forum?id=xNeAhc2CNAl)|[DeepSpeed](#ds)|",
    "|2023||[Understanding INT4 Quantization for Transformer Models: Latency Speedup, Composability, and Failure Cases](https://arxiv.org/abs/2301.12017)|[DeepSpeed](#ds)|",
    "|2023|WorkshopOnThings|[Another Paper at the Unknown Venue](https://example.org/papers/unknown-venue-2)||",
    "|2022|ICML|[DeepSpeed-MoE: Advancing Mixture-of-Experts Inference and Training to Power Next-Generation AI Scale](https://proceedings.mlr.press/v162/rajbhandari22a.html)|[DeepSpeed](#ds)|",
    "|2022|HiPC|[1-bit LAMB: Communication Efficient Large-Scale Large-Batch Training with LAMB's Convergence Speed](https://ieeexplore.ieee.org/document/10106313)|[DeepSpeed](#ds)|",
    "|2021|ICML|[1-bit Adam: Communication Efficient Large-Scale Training with Adam's Convergence Speed](http://proceedings.mlr.press/v139/tang21a.html)|[DeepSpeed](#ds)|",
]
ROWS_SERVING = [  # centred separator; a template row; two framework links separated by a space
    "| Year | Pub | Title | Framework |",
    "| 2023 | MLSys | [On Optimizing the Communication of Model Parallelism](https://arxiv.org/abs/2211.05322) | [Alpa](#alpa) [DeepSpeed](#ds) |",
    "| 2023 | IPDPS | [MCR-DL: Mix-and-Match Communication Runtime for Deep Learning](https://arxiv.org/abs/2303.08374) | [DeepSpeed](#ds) |",
    "| 2023 | ICS | [A Hybrid Tensor-Expert-Data Parallelism Approach to Optimize Mixture-of-Experts Training](https://arxiv.org/abs/2303.06318) | [DeepSpeed](#ds) |",
    "| 2020 |  | [Megatron-LM: Training Multi-Billion Parameter Language Models Using Model Parallelism](https://arxiv.org/abs/1909.08053) | [Megatron-LM](#megatron) |",
]
FRAMEWORKS = [
    '| 2022 | <span id="alpa"></span>[Alpa](https://github.com/alpa-projects/alpa) | ✔ | ✔ | ✔ | Compilation based mixed parallelism |',
    '| 2021 | <span id="terapipe"></span>[TeraPipe](https://github.com/zhuohan123/terapipe) | ✔ | ✗ | ✗ |  |',
    '| 2020 | <span id="ds"></span>[DeepSpeed](https://github.com/microsoft/DeepSpeed) | ✔ | ✔ | ✗ | General Support of Transformers and MoE with 3d-parallelism |',
    '| 2019 | <span id="megatron"></span>[Megatron-LM](https://github.com/NVIDIA/Megatron-LM) | ✔ | ✗ | ✗ |  |',
    '| 2019 | <span id="pipedream"></span>[PipeDream](https://github.com/msr-fiddle/pipedream) | ✔ | ✗ | ✗ |  |',
    '| 2019 | <span id="gpipe"></span>[TorchGipe](https://github.com/kakaobrain/torchgpipe) | ✔ | ✗ | ✗ | The `torchgipe` has been merged to PyTorch in 2020. |',
    # PipeDream again, disagreeing (Inference ✔): one framework, a warning naming both lines.
    '| 2019 | <span id="pipedream"></span>[PipeDream](https://github.com/msr-fiddle/pipedream) | ✔ | ✔ | ✗ |  |',
]


def build() -> str:
    head = "| Year | Publisher | Title | Framework |"
    parts = [
        "# A Messy List of LM System Papers",
        "",
        "Hand-kept, with every quirk seen in the wild.",
        "",
        "- [A Messy List of LM System Papers](#a-messy-list-of-lm-system-papers)",
        "  - [Papers](#papers)",
        "",
        "## Papers",
        "",
        "### Training",
        "",
        head,
        "|:--|:--|:--|:--|",
        *ROWS_TRAINING,
        "",
        "### Inference",
        "",
        "Year | Publisher | Title | Framework",
        "--- | :---: | --- | ---",
        *ROWS_INFERENCE,
        "",
        "### Compression",
        "",
        "|Year|Publisher|Title|Framework|",
        "|--:|--:|--:|--:|",
        *ROWS_COMPRESSION,
        "",
        "### Serving",
        "",
        head,
        "| :-: | :-: | :-: | :-: |",
        *ROWS_SERVING,
        "",
        "## Frameworks",
        "",
        "| Year | Name | Training | Inference | Serving | Comments |",
        "|:----:|:----:|:---------|:---------:|:-------:|:---------|",
        *FRAMEWORKS,
        "",
    ]
    return "\ufeff" + "\r\n".join(parts)


if __name__ == "__main__":
    Path(__file__).with_name("messy.md").write_bytes(build().encode("utf-8"))
