// Hand-written SVG bar chart of a bench/xts.mjs result (no dependency). Horizontal bars, one
// shared linear MiB/s scale for every panel; dark bar = encrypt, light bar = decrypt. The machine
// and the date are written on the chart.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS = {
  simd: ['#1d4ed8', '#93c5fd'],
  nosimd: ['#0f766e', '#99f6e4'],
  native: ['#b45309', '#fde68a'],
  node: ['#c2410c', '#fdba74'],
  peer: ['#4b5563', '#d1d5db'],
  ref: ['#7c3aed', '#ddd6fe'],
};

/**
 * chart: { title, subtitle[], legendNote, panels: [{ title, rows: [{ label, kind, enc, dec, encRatio,
 * decRatio, note }] }], footer[] }; enc/dec in MiB/s (either may be null), ratios printed after them.
 */
export function barChart(chart) {
  const W = 980;
  const labelW = 270;
  const barX = labelW + 20;
  const barW = W - barX - 110;
  const barH = 10;
  const rowH = 2 * barH + 10;
  const panelHead = 30;
  let max = 0;
  for (const p of chart.panels) for (const r of p.rows) max = Math.max(max, r.enc || 0, r.dec || 0);
  const step = niceStep(max / 6);
  const axisMax = Math.ceil(max / step) * step || 1;
  const scale = (v) => (v / axisMax) * barW;

  const out = [];
  let y = 30;
  out.push(`<text x="20" y="${y}" font-size="19" font-weight="bold">${esc(chart.title)}</text>`);
  y += 8;
  for (const s of chart.subtitle) {
    y += 17;
    out.push(`<text x="20" y="${y}" font-size="12.5" fill="#374151">${esc(s)}</text>`);
  }
  y += 20;
  // legend
  const legend = [
    ['simd', 'atrest SIMD'],
    ['nosimd', 'atrest no-SIMD'],
    ['native', 'atrest native'],
    ['node', 'node:crypto (AES-NI)'],
    ['peer', 'pure-JS / asm.js AES'],
    ['ref', 'reference figure'],
  ];
  let lx = 20;
  for (const [k, name] of legend) {
    out.push(`<rect x="${lx}" y="${y - 10}" width="12" height="12" fill="${COLORS[k][0]}"/>`);
    out.push(`<rect x="${lx + 13}" y="${y - 10}" width="12" height="12" fill="${COLORS[k][1]}"/>`);
    out.push(`<text x="${lx + 30}" y="${y}" font-size="12">${esc(name)}</text>`);
    lx += 36 + name.length * 6.7 + 14;
  }
  y += 8;
  out.push(
    `<text x="20" y="${y + 14}" font-size="11.5" fill="#4b5563">${esc(chart.legendNote || 'dark bar: encrypt · light bar: decrypt · MiB/s, median')}</text>`,
  );
  y += 26;

  const axisTop = y;
  for (const p of chart.panels) {
    y += panelHead;
    out.push(`<text x="20" y="${y - 9}" font-size="14" font-weight="bold">${esc(p.title)}</text>`);
    out.push(`<line x1="20" y1="${y - 4}" x2="${W - 20}" y2="${y - 4}" stroke="#e5e7eb"/>`);
    for (const r of p.rows) {
      const [c1, c2] = COLORS[r.kind] || COLORS.peer;
      out.push(`<text x="${labelW}" y="${y + barH + 4}" font-size="12.5" text-anchor="end">${esc(r.label)}</text>`);
      if (r.note)
        out.push(
          `<text x="${labelW}" y="${y + 2 * barH + 7}" font-size="10" fill="#6b7280" text-anchor="end">${esc(r.note)}</text>`,
        );
      let by = y + 2;
      for (const [v, c, ratio] of [
        [r.enc, c1, r.encRatio],
        [r.dec, c2, r.decRatio],
      ]) {
        if (v != null && Number.isFinite(v)) {
          const w = Math.max(1, scale(v));
          const num = v >= 100 ? v.toFixed(0) : v.toFixed(1);
          const rat = ratio != null && Number.isFinite(ratio) ? ` (${ratio.toFixed(2)}×)` : '';
          out.push(`<rect x="${barX}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${c}"/>`);
          out.push(
            `<text x="${(barX + w + 5).toFixed(1)}" y="${by + barH - 1}" font-size="10.5" fill="#111827">${num}<tspan fill="#6b7280">${esc(rat)}</tspan></text>`,
          );
        }
        by += barH + 1;
      }
      y += rowH;
    }
    y += 6;
  }
  const axisBottom = y + 4;
  // grid + axis labels
  const grid = [];
  for (let v = 0; v <= axisMax + 1e-9; v += step) {
    const x = barX + scale(v);
    grid.push(`<line x1="${x.toFixed(1)}" y1="${axisTop}" x2="${x.toFixed(1)}" y2="${axisBottom}" stroke="#f3f4f6"/>`);
    grid.push(
      `<text x="${x.toFixed(1)}" y="${axisBottom + 14}" font-size="10.5" fill="#6b7280" text-anchor="middle">${v}</text>`,
    );
  }
  y = axisBottom + 30;
  out.push(`<text x="${barX + barW / 2}" y="${y - 2}" font-size="11" fill="#6b7280" text-anchor="middle">MiB/s</text>`);
  for (const f of chart.footer) {
    y += 16;
    out.push(`<text x="20" y="${y}" font-size="11" fill="#4b5563">${esc(f)}</text>`);
  }
  const H = y + 18;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Verdana, Arial, sans-serif">
<rect width="${W}" height="${H}" fill="#ffffff"/>
${grid.join('\n')}
${out.join('\n')}
</svg>
`;
}

function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
