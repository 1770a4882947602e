(function () {
  'use strict';
  // Registry text (keys, messages, evidence) only ever enters the page as text nodes or
  // attribute values set through the DOM: never as markup.
  var D = JSON.parse(document.getElementById('argos-data').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  var SEV = ['INFO', 'WARNING', 'CRITICAL'];
  var SEV_COLOUR = { INFO: '#4c8fd6', WARNING: '#e7a12e', CRITICAL: '#d2463f' };
  var PALETTE = ['#4c8fd6', '#e7a12e', '#d2463f', '#3aa57a', '#8d6cc9', '#d9699a', '#5fb7c4',
    '#a08554', '#7a8699', '#c5c23a'];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) { continue; }
      parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return parent;
  }
  function sv(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    return e;
  }
  function fmt(n) { return Number(n).toLocaleString('en-US'); }
  function section(title, id) {
    var s = el('section'); s.id = id;
    add(s, el('h2', null, title));
    return s;
  }
  function empty(text) { return el('p', 'empty', text); }
  // renders the first n items, and a button that renders the rest
  function limited(parent, items, n, render) {
    items.slice(0, n).forEach(function (x) { add(parent, render(x)); });
    if (items.length > n) {
      var more = el('button', 'more', 'show all ' + fmt(items.length) + ' (' + fmt(items.length - n) + ' more)');
      more.type = 'button';
      more.addEventListener('click', function () {
        parent.removeChild(more);
        items.slice(n).forEach(function (x) { add(parent, render(x)); });
      });
      add(parent, more);
    }
  }
  function sevBadge(s) { return el('span', 'sev ' + (SEV.indexOf(s) >= 0 ? s : ''), s); }

  var app = document.getElementById('app');
  document.title = D.title;

  // ---- header
  var head = el('header');
  add(head, el('h1', null, D.title));
  add(head, el('div', 'meta', 'files: ' + D.files.join(', ')));
  add(head, el('div', 'meta', 'from ' + (D.first || '-') + ' to ' + (D.last || '-') + ' · zone ' + D.zone
      + ' · generated ' + D.generated + ' by argos ' + D.version));
  var cards = el('div', 'cards');
  function card(value, label) { add(cards, add(el('div', 'card'), el('b', null, value), el('span', null, label))); }
  card(fmt(D.records), 'records');
  card(fmt(D.resolved), 'episode ends');
  card(fmt((D.bySeverity && D.bySeverity.CRITICAL) || 0), 'critical');
  card(fmt(D.incidents.length), 'incidents');
  card(D.actions.successRate === null ? '-' : (D.actions.successRate * 100).toFixed(1) + ' %',
      'actions ok (of ' + fmt(D.actions.taken) + ')');
  card(fmt(D.skippedLines), 'lines skipped');
  add(head, cards);
  add(app, head);

  // ---- timeline
  var tl = section('Timeline', 'timeline');
  var controls = el('div', 'controls');
  var chartBox = el('div', 'chart');
  var legend = el('div', 'legend');
  add(tl, controls, chartBox, legend);
  add(app, tl);

  var state = {
    bucket: D.timeline.hour && D.timeline.hour.labels.length <= 24 * 14 ? 'hour'
        : (D.timeline.day ? 'day' : 'hour'),
    group: 'severity', from: 0, to: -1
  };
  function buttons(label, options, key) {
    var g = el('span'); add(g, label + ' ');
    options.forEach(function (o) {
      var b = el('button', state[key] === o ? 'on' : '', o);
      b.type = 'button';
      b.setAttribute('data-' + key, o);
      b.disabled = key === 'bucket' && !D.timeline[o];
      b.addEventListener('click', function () {
        state[key] = o;
        if (key === 'bucket') { state.from = 0; state.to = -1; }
        drawControls(); drawChart();
      });
      add(g, b, ' ');
    });
    return g;
  }
  function drawControls() {
    controls.textContent = '';
    add(controls, buttons('bucket:', ['hour', 'day'], 'bucket'), buttons('stack by:', ['severity', 'type'], 'group'));
    var reset = el('button', '', 'reset zoom'); reset.type = 'button'; reset.id = 'reset-zoom';
    reset.addEventListener('click', function () { state.from = 0; state.to = -1; drawChart(); });
    add(controls, reset, el('span', 'meta', 'drag across the chart to zoom'));
  }

  function stacks(t) {
    // groups in a fixed order; counts per bucket per group
    var groups = [], byGroup = Object.create(null); // no prototype: a type may be "constructor" or "__proto__"
    t.series.forEach(function (s) {
      var g = state.group === 'severity' ? s.severity : s.type;
      if (!byGroup[g]) { byGroup[g] = new Array(t.labels.length).fill(0); groups.push(g); }
      var arr = byGroup[g];
      for (var i = 0; i < s.counts.length; i++) { arr[i] += s.counts[i]; }
    });
    if (state.group === 'severity') {
      groups.sort(function (a, b) { return SEV.indexOf(a) - SEV.indexOf(b); });
    } else { groups.sort(); }
    return { groups: groups, byGroup: byGroup };
  }
  function colour(group, i) {
    return state.group === 'severity' ? (SEV_COLOUR[group] || '#8a94a6') : PALETTE[i % PALETTE.length];
  }

  function drawChart() {
    chartBox.textContent = '';
    legend.textContent = '';
    var t = D.timeline[state.bucket];
    if (!t) { add(chartBox, empty('no records')); window.argosRendered = performance.now(); return; }
    var n = t.labels.length;
    var from = Math.max(0, state.from), to = state.to < 0 ? n - 1 : Math.min(n - 1, state.to);
    var st = stacks(t);
    var totals = [], max = 0;
    for (var i = from; i <= to; i++) {
      var sum = 0;
      st.groups.forEach(function (g) { sum += st.byGroup[g][i]; });
      totals.push(sum); if (sum > max) { max = sum; }
    }
    var W = 1120, H = 280, L = 48, R = 10, T = 10, B = 42;
    var pw = W - L - R, ph = H - T - B, count = to - from + 1, bw = pw / count;
    var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', id: 'timeline-chart',
      'data-bucket': state.bucket, 'data-buckets': String(count), 'data-group': state.group });
    add(svg, sv('title', {}));
    svg.firstChild.textContent = 'Signals per ' + state.bucket + ' by ' + state.group;
    var top = max === 0 ? 1 : max;
    for (var k = 0; k <= 4; k++) {
      var v = Math.round(top * k / 4), y = T + ph - ph * v / top;
      add(svg, sv('line', { x1: L, x2: W - R, y1: y, y2: y, 'class': k === 0 ? 'axis' : 'grid' }));
      var lab = sv('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' }); lab.textContent = fmt(v);
      add(svg, lab);
    }
    var plot = sv('g', { 'class': 'bars' });
    for (var b = 0; b < count; b++) {
      var idx = from + b;
      var g = sv('g', { 'class': 'bucket', 'data-label': t.labels[idx], 'data-total': String(totals[b]) });
      var tip = sv('title', {}); tip.textContent = t.labels[idx] + ': ' + fmt(totals[b]);
      add(g, tip);
      var y0 = T + ph;
      st.groups.forEach(function (grp, gi) {
        var c = st.byGroup[grp][idx];
        if (c === 0) { return; }
        var h = ph * c / top;
        y0 -= h;
        var r = sv('rect', { 'class': 'seg', x: (L + b * bw + (bw > 4 ? 1 : 0)).toFixed(2), y: y0.toFixed(2),
          width: Math.max(0.5, bw - (bw > 4 ? 2 : 0)).toFixed(2), height: Math.max(0.5, h).toFixed(2),
          fill: colour(grp, gi), 'data-group': grp, 'data-count': String(c) });
        var rt = sv('title', {}); rt.textContent = t.labels[idx] + ' · ' + grp + ': ' + fmt(c);
        add(r, rt);
        add(g, r);
      });
      add(plot, g);
    }
    add(svg, plot);
    var every = Math.max(1, Math.ceil(count / 10));
    for (var x = 0; x < count; x += every) {
      var lx = sv('text', { x: (L + x * bw + bw / 2).toFixed(1), y: H - B + 16, 'text-anchor': 'middle' });
      var label = t.labels[from + x];
      lx.textContent = state.bucket === 'hour' ? label.substring(5, 16).replace('T', ' ') : label;
      add(svg, lx);
    }
    // zoom: drag to select buckets
    var brush = sv('rect', { 'class': 'brush', x: 0, y: T, width: 0, height: ph, visibility: 'hidden' });
    add(svg, brush);
    var startX = null;
    function toX(ev) {
      var p = svg.getBoundingClientRect();
      return (ev.clientX - p.left) * W / p.width;
    }
    svg.addEventListener('mousedown', function (ev) { startX = toX(ev); brush.setAttribute('visibility', 'visible'); });
    svg.addEventListener('mousemove', function (ev) {
      if (startX === null) { return; }
      var x2 = toX(ev);
      brush.setAttribute('x', Math.min(startX, x2)); brush.setAttribute('width', Math.abs(x2 - startX));
    });
    svg.addEventListener('mouseup', function (ev) {
      if (startX === null) { return; }
      var a = Math.floor((Math.min(startX, toX(ev)) - L) / bw), z = Math.floor((Math.max(startX, toX(ev)) - L) / bw);
      startX = null; brush.setAttribute('visibility', 'hidden');
      a = Math.max(0, a); z = Math.min(count - 1, z);
      if (z > a) { state.from = from + a; state.to = from + z; drawChart(); }
    });
    svg.addEventListener('dblclick', function () { state.from = 0; state.to = -1; drawChart(); });
    add(chartBox, svg);
    st.groups.forEach(function (grp, gi) {
      var item = el('span'); var sw = el('i'); sw.style.background = colour(grp, gi);
      add(legend, add(item, sw, grp));
    });
    add(legend, el('span', 'meta', fmt(count) + ' ' + state.bucket + ' bucket(s), '
        + t.labels[from] + ' to ' + t.labels[to]));
    window.argosRendered = performance.now();
    document.body.setAttribute('data-rendered', 'true');
  }
  drawControls();
  drawChart();

  // ---- counts
  function countTable(title, map, nullLabel) {
    var box = el('div');
    add(box, el('h2', null, title));
    var entries = Object.keys(map).map(function (k) { return [k, map[k]]; })
        .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
    if (!entries.length) { return add(box, empty('none')); }
    var max = entries[0][1] || 1;
    var table = el('table');
    entries.forEach(function (e) {
      var bar = el('div', 'bar'); bar.style.width = (100 * e[1] / max).toFixed(1) + '%';
      add(table, add(el('tr'), el('td', 'txt', nullLabel && e[0] === 'null' ? nullLabel : e[0]), el('td', 'num', fmt(e[1])), add(el('td', 'barcell'), bar)));
    });
    return add(box, table);
  }
  var counts = section('Counts', 'counts');
  counts.removeChild(counts.firstChild);
  add(counts, add(el('div', 'grid3'), countTable('By type', D.byType), countTable('By severity', D.bySeverity),
      countTable('By action result', D.byActionResult, '(no action)')));
  add(app, counts);

  // ---- top keys and recurring problems
  var keys = section('Top keys', 'top-keys');
  if (!D.topKeys.length) { add(keys, empty('no keys')); } else {
    var kt = add(el('table'), add(el('tr'), el('th', null, 'key'), el('th', null, 'records'),
        el('th', null, 'critical'), el('th', null, 'types'), el('th', null, 'last seen')));
    D.topKeys.forEach(function (k) {
      add(kt, add(el('tr'), el('td', 'txt mono', k.key), el('td', 'num', fmt(k.count)), el('td', 'num', fmt(k.critical)),
          el('td', 'txt', k.types.join(', ')), el('td', 'mono', k.last)));
    });
    add(keys, kt);
  }
  add(app, keys);

  var rec = section('Recurring problems', 'recurring');
  if (!D.recurring.length) { add(rec, empty('no problem recorded more than once')); } else {
    var rt = add(el('table'), add(el('tr'), el('th', null, 'problem'), el('th', null, 'key'), el('th', null, 'message'),
        el('th', null, 'times'), el('th', null, 'days'), el('th', null, 'first / last')));
    D.recurring.forEach(function (p) {
      add(rt, add(el('tr'), add(el('td', 'txt mono'), sevBadge(p.severity), ' ', p.problemKey),
          el('td', 'txt mono', p.key === null ? '-' : p.key), el('td', 'txt', p.message),
          el('td', 'num', fmt(p.count)), el('td', 'num', fmt(p.days)),
          add(el('td', 'mono'), p.first, el('br'), p.last)));
    });
    add(rec, rt);
  }
  add(app, rec);

  // ---- incidents
  var inc = section('Incidents', 'incidents');
  if (!D.incidents.length) { add(inc, empty('no incidents')); }
  limited(inc, D.incidents, 20, function (i) {
    var box = el('div', 'incident');
    add(box, add(el('div'), el('span', 'id', i.id), ' ', sevBadge(i.severity), ' ', el('span', 'badge', i.state),
        ' ', el('span', 'meta', 'opened ' + i.opened + (i.updates > 1 ? ' · updated ' + i.updated : ''))));
    add(box, el('div', null, i.message));
    var o = i.origin || {};
    var line = add(el('div'), el('b', null, 'origin: '), (o.kind || 'unknown') + ' ',
        el('span', 'mono', o.name === undefined || o.name === null ? '' : o.name),
        o.type ? ' (' + o.type + ')' : '',
        i.confidence === null ? '' : ' · confidence ' + Number(i.confidence).toFixed(2));
    add(box, line);
    if (i.why) { add(box, el('div', 'meta', 'why: ' + i.why)); }
    if (i.chain.length) {
      var ol = el('ol', 'chain');
      i.chain.forEach(function (s) {
        add(ol, add(el('li'), el('span', 'role ' + (s.role === 'origin' ? 'origin' : ''), s.role || ''),
            s.severity ? sevBadge(String(s.severity)) : null, ' ', String(s.type || ''),
            s.key === undefined || s.key === null ? '' : ' ', s.key === undefined || s.key === null ? null : el('span', 'mono', s.key),
            s.at ? el('span', 'meta', ' at ' + s.at) : null,
            s.episode ? el('span', 'meta', ' · ' + s.episode) : null));
      });
      add(box, ol);
    }
    if (i.alternatives.length) {
      add(box, el('div', 'meta', 'alternatives: ' + i.alternatives.map(function (a) {
        return (a.kind || '?') + ' ' + (a.name || '') + (a.confidence !== undefined ? ' (' + a.confidence + ')' : '');
      }).join('; ')));
    }
    var ev = add(el('div'), el('b', null, 'evidence: '));
    if (i.evidence && typeof i.evidenceUri === 'string' && i.evidenceUri.indexOf('file:') === 0) {
      var a = el('a', 'mono evidence', i.evidence); a.setAttribute('href', i.evidenceUri);
      add(ev, a);
    } else if (i.evidence) {
      add(ev, el('span', 'mono', i.evidence));
    } else {
      add(ev, el('span', 'meta', i.evidenceSkipped ? 'not captured (' + i.evidenceSkipped + ')' : 'none'));
    }
    add(box, ev);
    return box;
  });
  add(app, inc);

  // ---- patterns
  var pat = section('Patterns', 'patterns');
  if (!D.patterns.length) { add(pat, empty('no patterns')); }
  var kinds = [];
  D.patterns.forEach(function (f) { if (kinds.indexOf(f.kind) < 0) { kinds.push(f.kind); } });
  kinds.forEach(function (kind) {
    var list = D.patterns.filter(function (f) { return f.kind === kind; });
    var group = el('div', 'kind');
    group.setAttribute('data-kind', kind);
    add(group, el('h3', null, kind + ' (' + fmt(list.length) + ')'));
    limited(group, list, 10, function (f) {
      var box = el('div', 'finding');
      add(box, add(el('div'), el('b', null, '×' + fmt(f.count)), ' ', f.summary));
      var det = el('details');
      add(det, el('summary', null, 'evidence'), el('pre', null, JSON.stringify(f.evidence, null, 2)));
      add(box, det);
      return box;
    });
    add(pat, group);
  });
  add(app, pat);
  document.body.setAttribute('data-complete', 'true');
})();
