// Lays the diagram out at a zoom of the time axis: every element with
// data-a (and data-b) times in ns gets its y from them; the ticks are
// redrawn; hovering shows an element's details.
(() => {
  const svg = document.getElementById('st');
  const top = +svg.dataset.top, end = +svg.dataset.end, fit = +svg.dataset.scale;
  let scale = fit;
  const placed = svg.querySelectorAll('[data-a]');
  const y = t => top + t * scale;
  const units = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
  const label = t => {
    if (t === 0) return '0';
    for (const [u, n] of units) if (t >= u) return +(t / u).toFixed(3) + n;
    return t + 'ns';
  };
  function ticks() {
    const g = document.getElementById('ticks');
    g.replaceChildren();
    // The smallest step of 1, 2 or 5 times a power of ten that is 60px.
    let step = 1;
    for (let k = 1; step * scale < 60; k++) step = [1, 2, 5][k % 3] * 10 ** Math.floor(k / 3);
    const width = svg.getAttribute('width');
    for (let t = 0; t <= end; t += step) {
      const l = document.createElementNS(svg.namespaceURI, 'line');
      l.setAttribute('class', 'tick'); l.setAttribute('x1', 60); l.setAttribute('x2', width);
      l.setAttribute('y1', y(t)); l.setAttribute('y2', y(t));
      const s = document.createElementNS(svg.namespaceURI, 'text');
      s.setAttribute('class', 'tick'); s.setAttribute('x', 56); s.setAttribute('y', y(t) + 4);
      s.textContent = label(Math.round(t));
      g.append(l, s);
    }
  }
  function layout() {
    for (const el of placed) {
      const a = +el.dataset.a, b = el.dataset.b === undefined ? a : +el.dataset.b;
      if (el.tagName === 'line') { el.setAttribute('y1', y(a)); el.setAttribute('y2', y(b)); }
      else if (el.tagName === 'rect') { el.setAttribute('y', y(a)); el.setAttribute('height', Math.max(1, (b - a) * scale)); }
      else el.setAttribute('y', y(a) + 4);
    }
    svg.setAttribute('height', y(end) + 40);
    ticks();
    document.body.dataset.laidOut = placed.length;
  }
  // zoom keeps the time at the middle of the window where it was.
  function zoom(f) {
    const rect = svg.getBoundingClientRect();
    const t = (window.innerHeight / 2 - rect.top - top) / scale;
    scale = f === 0 ? fit : Math.min(Math.max(scale * f, fit / 4), fit * 1e6);
    layout();
    window.scrollTo(window.scrollX, svg.getBoundingClientRect().top + window.scrollY + top + t * scale - window.innerHeight / 2);
  }
  document.getElementById('zin').onclick = () => zoom(2);
  document.getElementById('zout').onclick = () => zoom(0.5);
  document.getElementById('zfit').onclick = () => zoom(0);
  svg.addEventListener('wheel', ev => {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    zoom(ev.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });
  const details = document.getElementById('details');
  svg.addEventListener('mouseover', ev => {
    const t = ev.target.querySelector && ev.target.querySelector('title');
    if (t) details.textContent = t.textContent;
  });
  layout();
})();
