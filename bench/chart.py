"""The PNG chart of bench/run-all: one panel per section, medians with min-max bars.

Usage: chart.py DATA.json CHART.png   (run-all writes DATA.json, with every sample, next to the report)
Needs matplotlib (Debian: apt-get install python3-matplotlib). run-all runs this script with the first Python
that has it (its own, then /usr/bin/python3, which is where Debian's package goes when `python3` is another
installation, e.g. pyenv's)."""
import json
import statistics
import sys


def draw(path, sections):
    """Draws the panels for the sections that have chart data."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = [(title, data) for title, data in sections.items() if data]
    if not panels:
        return
    cols = 2 if len(panels) > 1 else 1
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7.5 * cols, 4.8 * rows), squeeze=False)
    for ax, (title, data) in zip([a for row in axes for a in row], panels):
        if title.startswith("1."):
            _exits(ax, data)
        elif title.startswith("2."):
            _bars(ax, data, "ms to the first console byte (log scale)", log=True, short=_startup_name)
        elif title.startswith("3."):
            _memory(ax, data)
        elif title.startswith(("5.", "6.")):  # Linux on virtio-blk, virtio-blk from the SDK guest
            _bars(ax, data, "Javisor / QEMU throughput (1 = as fast)")
        elif title.startswith("8."):
            _bars(ax, data, "ms to the first console byte (log scale)", log=True)
        elif title.startswith("9."):
            _bars(ax, data, "guest memory bandwidth, GB/s (higher: better)")
        elif title.startswith("7."):
            _bars(ax, data, "Javisor / QEMU (1 = as good; MB/s: higher better, µs: lower)")
        else:
            _bars(ax, data, "VMs per second")
        ax.set_title(title, fontsize=11, loc="left")
    for ax in [a for row in axes for a in row][len(panels):]:
        ax.axis("off")
    fig.suptitle("Javisor against QEMU and a minimal C VMM (median, bars: min-max)", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.98))  # room for the title above the top panels
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _spread(values):
    med = statistics.median(values)
    return med, med - min(values), max(values) - med


def _exits(ax, data):
    kinds, vmms = data["kinds"], data["vmms"]
    width = 0.8 / len(vmms)
    colors = {"C kvm-loop": "#888888", "Java KvmLoop": "#c9b27c", "Javisor": "#d9731a",
              "Javisor resident": "#8c3d0b", "QEMU microvm": "#3b6fb6"}
    for i, vmm in enumerate(vmms):
        stats = [_spread(data["wall"][vmm][k]) for k in kinds]
        xs = [j + (i - (len(vmms) - 1) / 2) * width for j in range(len(kinds))]
        ax.bar(xs, [m for m, _, _ in stats], width, yerr=[[lo for _, lo, _ in stats], [hi for _, _, hi in stats]],
               label=vmm, color=colors.get(vmm), capsize=3)
    ax.set_xticks(range(len(kinds)))
    ax.set_xticklabels([lab.replace(" `", "\n`") for lab in data["labels"]], fontsize=8)
    ax.set_ylabel("µs per exit (wall-time slope)")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.2)
    ax.legend(fontsize=8, loc="upper left", ncol=len(vmms))


def _startup_name(name):
    if name.startswith("javisor run"):
        return "javisor run --kernel (java)"
    if name.startswith("./javisor"):
        return "./javisor run --kernel (launcher)"
    return name.replace(" (reference)", "").replace(" (SeaBIOS)", "")


def _bars(ax, data, xlabel, log=False, short=lambda n: n):
    names = [n for n in data if data[n]]  # a measure with no samples (a run too short for it) gets no bar
    stats = [_spread(data[n]) for n in names]
    colors = ["#d9731a" if "avisor" in n else "#3b6fb6" if "QEMU" in n else "#888888" for n in names]
    ax.barh(range(len(names)), [m for m, _, _ in stats], xerr=[[lo for _, lo, _ in stats],
                                                                [hi for _, _, hi in stats]],
            color=colors, capsize=3)
    ax.set_yticks(range(len(names)))
    labels = [short(n) for n in names]
    ax.set_yticklabels([n if len(n) < 48 else n[:46] + "..." for n in labels], fontsize=8)
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    for i, (m, _, _) in enumerate(stats):
        ax.annotate(f"{m:.0f}" if m >= 100 else f"{m:.3g}", (m, i), xytext=(4, 4), textcoords="offset points", fontsize=8)


def _memory(ax, data):
    counts = data["counts"]
    for vmm, color in (("Javisor", "#d9731a"), ("QEMU microvm", "#3b6fb6")):
        ax.plot(counts, data[vmm], marker="o", label=vmm, color=color)
        for n, v in zip(counts, data[vmm]):
            ax.annotate(f"{v:.0f}", (n, v), xytext=(3, 4), textcoords="offset points", fontsize=8)
    ax.set_xlabel("idle VMs")
    ax.set_yscale("log")
    ax.set_ylabel("MiB: RSS - guest RAM resident (median, log scale)")
    ax.set_xticks(counts)
    ax.legend(fontsize=8)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        draw(sys.argv[2], json.load(f)["chart"])
