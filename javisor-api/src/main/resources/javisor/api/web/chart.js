// The exit-rate chart: exits per second of each VM over the last minute, from the total exit counts that
// app.js polls once a second, drawn on a plain canvas (no chart library, so nothing more to vendor).

export const WINDOW_MS = 60_000;

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#17becf', '#8c564b', '#e377c2'];
const MARGIN = {left: 56, right: 12, top: 10, bottom: 22};

/** A VM's line colour: fixed by its id, so a VM keeps its colour while others come and go. */
export function colorFor(id) {
  return PALETTE[((id % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** 1234 -> "1.2k", 5600000 -> "5.6M": axis labels and the legend must stay short. */
export function formatRate(r) {
  if (r >= 1e6) return (r / 1e6).toFixed(r >= 1e7 ? 0 : 1) + 'M';
  if (r >= 1e3) return (r / 1e3).toFixed(r >= 1e4 ? 0 : 1) + 'k';
  return r >= 10 || r === 0 ? Math.round(r).toString() : r.toFixed(1);
}

/** The smallest 1, 2 or 5 times a power of ten at or above x (at least 1): a grid step with round numbers. */
function niceStep(x) {
  if (!(x > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= x) return m * p;
  }
  return 10 * p;
}

export class ExitChart {
  constructor(canvas, legend) {
    this.canvas = canvas;
    this.legend = legend;
    /** VM id -> {name, points: [{t, rate}], last: {t, exits}}; rate null marks a gap. */
    this.series = new Map();
    this.now = performance.now();
  }

  /**
   * Takes one poll of GET /vms made at time t (ms, performance.now()) and redraws. Returns VM id -> the rate
   * since the previous poll, or null where there is none yet (first sight) or the count went back (a restart
   * builds a new VM whose counters start at zero: a gap in the line, not a made-up value).
   */
  update(vms, t) {
    const rates = new Map();
    const seen = new Set();
    for (const vm of vms) {
      seen.add(vm.id);
      let s = this.series.get(vm.id);
      if (!s) {
        s = {name: vm.name, points: [], last: null};
        this.series.set(vm.id, s);
      }
      s.name = vm.name;
      let rate = null;
      if (s.last && t > s.last.t && vm.exits >= s.last.exits) {
        rate = (vm.exits - s.last.exits) * 1000 / (t - s.last.t);
      }
      if (s.last) s.points.push({t, rate});
      s.last = {t, exits: vm.exits};
      s.points = s.points.filter(p => p.t >= t - WINDOW_MS);
      rates.set(vm.id, rate);
    }
    for (const id of [...this.series.keys()]) {
      if (!seen.has(id)) this.series.delete(id); // deleted VMs leave the chart
    }
    this.now = t;
    this.draw();
    return rates;
  }

  draw() {
    const c = this.canvas;
    // Draw at the device's pixel density so the lines stay sharp; the CSS size is the layout's.
    const dpr = window.devicePixelRatio || 1;
    const cssW = c.clientWidth || c.width;
    const cssH = c.clientHeight || c.height;
    if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, cssW, cssH);

    const plotW = cssW - MARGIN.left - MARGIN.right;
    const plotH = cssH - MARGIN.top - MARGIN.bottom;
    let max = 0;
    let points = 0;
    for (const s of this.series.values()) {
      for (const p of s.points) {
        if (p.rate !== null) {
          max = Math.max(max, p.rate);
          points++;
        }
      }
    }
    const step = niceStep(max / 4); // four grid steps, each a round number
    const top = 4 * step;
    const x = t => MARGIN.left + plotW * (1 - (this.now - t) / WINDOW_MS);
    const y = r => MARGIN.top + plotH * (1 - r / top);

    // Grid and axis labels.
    g.font = '11px sans-serif';
    g.lineWidth = 1;
    g.strokeStyle = '#e3e3e3';
    g.fillStyle = '#666666';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const r = step * i;
      const yy = Math.round(y(r)) + 0.5;
      g.beginPath();
      g.moveTo(MARGIN.left, yy);
      g.lineTo(MARGIN.left + plotW, yy);
      g.stroke();
      g.fillText(formatRate(r), MARGIN.left - 6, yy);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (const s of [60, 45, 30, 15, 0]) {
      g.fillText(s === 0 ? 'now' : `-${s}s`, x(this.now - s * 1000), MARGIN.top + plotH + 6);
    }

    // One line per VM; a null rate lifts the pen.
    g.lineWidth = 2;
    g.lineJoin = 'round';
    for (const [id, s] of this.series) {
      g.strokeStyle = colorFor(id);
      g.beginPath();
      let pen = false;
      for (const p of s.points) {
        if (p.rate === null) {
          pen = false;
          continue;
        }
        const px = x(p.t);
        const py = y(p.rate);
        if (pen) {
          g.lineTo(px, py);
        } else {
          g.moveTo(px, py);
          // A lone point would draw nothing: a short tick keeps it visible.
          g.lineTo(px + 1, py);
          pen = true;
        }
      }
      g.stroke();
    }

    // What the chart shows, for people reading the page's markup and for the end-to-end test.
    c.dataset.points = String(points);
    c.dataset.max = String(max);
    this.drawLegend();
  }

  drawLegend() {
    const items = [];
    for (const [id, s] of this.series) {
      const lastRate = [...s.points].reverse().find(p => p.rate !== null)?.rate;
      const item = document.createElement('span');
      item.className = 'legend-item';
      item.dataset.vmId = String(id);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colorFor(id);
      item.append(swatch, `${s.name} (${id}): ${lastRate === undefined ? '–' : formatRate(lastRate)}/s`);
      items.push(item);
    }
    this.legend.replaceChildren(...items);
  }
}
