// The drawing page: strokes on a canvas, live predictions from /api/predict (or, with "why?" or feature maps on,
// /api/explain), feedback to /api/feedback.
(() => {
  'use strict';
  const pad = document.getElementById('pad');
  const ctx = pad.getContext('2d');
  const seen = document.getElementById('seen').getContext('2d');
  const guessEl = document.getElementById('guess');
  const confidenceEl = document.getElementById('confidence');
  const barsEl = document.getElementById('bars');
  const statusEl = document.getElementById('status');
  const brush = document.getElementById('brush');
  const modelSelect = document.getElementById('model');
  const rightBtn = document.getElementById('right');
  const wrongBox = document.getElementById('wrong-buttons');
  const feedbackStatus = document.getElementById('feedback-status');
  const whyOn = document.getElementById('why');
  const whyMethod = document.getElementById('why-method');
  const featuresOn = document.getElementById('features');
  const whyBox = document.getElementById('why-box');
  const whyMap = document.getElementById('why-map').getContext('2d');
  const whyText = document.getElementById('why-text');
  const featureBox = document.getElementById('feature-maps');

  let strokes = [];          // each stroke: {size, points: [[x, y], ...]}
  let current = null;
  let uploaded = null;       // an uploaded picture shown on the pad, if any
  let last = null;           // the last prediction (its "seen" pixels go to feedback)
  let classNames = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  let timer = null;
  let inFlight = 0;
  let queued = 0;            // drawings being encoded as PNG, about to be sent
  let requestId = 0;

  function buildBars() {
    barsEl.innerHTML = '';
    wrongBox.innerHTML = '';
    classNames.forEach((name, i) => {
      const row = document.createElement('div');
      row.className = 'bar';
      row.dataset.class = String(i);
      row.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span><span class="pct">0%</span>';
      row.querySelector('.name').textContent = name === String(i) ? name : i + ' ' + name;
      barsEl.appendChild(row);
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = String(i);
      b.title = name;
      b.dataset.label = String(i);
      b.disabled = true;
      b.addEventListener('click', () => sendFeedback(i));
      wrongBox.appendChild(b);
    });
  }

  function redraw() {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    if (uploaded) {
      const s = Math.min(pad.width / uploaded.width, pad.height / uploaded.height);
      const w = uploaded.width * s, h = uploaded.height * s;
      ctx.drawImage(uploaded, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    }
    ctx.strokeStyle = '#000';
    ctx.fillStyle = '#000';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    for (const s of strokes) drawStroke(s);
  }

  function drawStroke(s) {
    const p = s.points;
    ctx.lineWidth = s.size;
    if (p.length === 1) {
      ctx.beginPath();
      ctx.arc(p[0][0], p[0][1], s.size / 2, 0, Math.PI * 2);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(p[0][0], p[0][1]);
    for (let i = 1; i < p.length - 1; i++) {   // smooth through midpoints
      const mx = (p[i][0] + p[i + 1][0]) / 2, my = (p[i][1] + p[i + 1][1]) / 2;
      ctx.quadraticCurveTo(p[i][0], p[i][1], mx, my);
    }
    ctx.lineTo(p[p.length - 1][0], p[p.length - 1][1]);
    ctx.stroke();
  }

  function point(e) {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }

  pad.addEventListener('pointerdown', e => {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    current = {size: Number(brush.value) * (e.pointerType === 'pen' && e.pressure ? 0.6 + e.pressure * 0.8 : 1), points: [point(e)]};
    strokes.push(current);
    redraw();
    schedule();
  });
  pad.addEventListener('pointermove', e => {
    if (!current) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events) current.points.push(point(ev));
    redraw();
    schedule();
  });
  const end = () => {
    if (!current) return;
    current = null;
    predictNow();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);

  function isBlank() {
    return strokes.length === 0 && !uploaded;
  }

  function schedule() {              // debounced: at most one request per 150 ms while drawing
    if (timer) return;
    timer = setTimeout(() => { timer = null; predictNow(); }, 150);
  }

  function predictNow() {
    if (isBlank()) { reset(); return; }
    queued++;
    pad.toBlob(blob => { queued--; send(blob, 'image/png'); }, 'image/png');
  }

  async function send(body, type) {
    const id = ++requestId;
    inFlight++;
    try {
      const query = new URLSearchParams();
      if (modelSelect.value) query.set('model', modelSelect.value);
      const explain = whyOn.checked || featuresOn.checked;
      if (explain) {
        query.set('methods', whyOn.checked ? whyMethod.value : '');
        if (featuresOn.checked) query.set('featureMaps', 'true');
      }
      const q = query.toString() ? '?' + query : '';
      const res = await fetch((explain ? 'api/explain' : 'api/predict') + q, {method: 'POST', headers: {'Content-Type': type}, body});
      const json = await res.json();
      if (!res.ok) throw new Error(json.error || ('HTTP ' + res.status));
      if (id === requestId) show(json);   // drop answers to older drawings
    } catch (err) {
      statusEl.textContent = 'prediction failed: ' + err.message;
      statusEl.classList.add('error');
    } finally {
      inFlight--;
    }
  }

  function show(r) {
    last = r;
    const p = r.probabilities;
    guessEl.textContent = classNames[r.label].length <= 2 ? classNames[r.label] : String(r.label);
    confidenceEl.textContent = classNames[r.label] + ' · ' + (100 * p[r.label]).toFixed(1) + ' % sure';
    barsEl.querySelectorAll('.bar').forEach((row, i) => {
      row.querySelector('.fill').style.width = (100 * p[i]).toFixed(1) + '%';
      row.querySelector('.pct').textContent = (100 * p[i]).toFixed(1) + '%';
      row.classList.toggle('top', i === r.label);
    });
    const img = seen.createImageData(28, 28);
    r.seen.forEach((v, i) => { img.data.set([v, v, v, 255], i * 4); });
    seen.putImageData(img, 0, 0);
    showWhy(r);
    showFeatures(r);
    statusEl.classList.remove('error');
    statusEl.textContent = 'model ' + r.model + ' · ' + r.latencyMs.toFixed(1) + ' ms on the server';
    rightBtn.disabled = false;
    wrongBox.querySelectorAll('button').forEach(b => { b.disabled = Number(b.dataset.label) === r.label; });
    feedbackStatus.textContent = '';
  }

  // the heat map over what the model saw: the digit in grey, the map in warm colour on top
  function showWhy(r) {
    const map = r.maps && r.maps[whyMethod.value];
    whyBox.hidden = !(whyOn.checked && map);
    if (whyBox.hidden) return;
    overlay(whyMap, r.seen, map);
    whyText.textContent = whyMethod.options[whyMethod.selectedIndex].title + ', for ' + classNames[r.label];
  }

  function overlay(g, pixels, map) {
    const img = g.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const grey = 255 - pixels[i] / 2, v = Math.min(1, map[i] * 1.2), t = map[i];
      const heat = [255 * Math.min(1, 0.4 + 1.2 * t), 255 * Math.max(0, Math.min(1, 2 * t - 0.4)), 255 * Math.max(0, 3 * t - 2.2)];
      img.data.set([grey * (1 - v) + heat[0] * v, grey * (1 - v) + heat[1] * v, grey * (1 - v) + heat[2] * v, 255], i * 4);
    }
    g.putImageData(img, 0, 0);
  }

  // every convolution layer's maps for the current drawing, one small canvas per channel
  function showFeatures(r) {
    featureBox.hidden = !(featuresOn.checked && r.featureMaps);
    if (featureBox.hidden) return;
    featureBox.innerHTML = '';
    if (r.featureMaps.length === 0) {
      featureBox.textContent = 'This model has no convolution layers digitlab can show (a TorchScript module or an MLP).';
    }
    for (const f of r.featureMaps) {
      const h = document.createElement('h3');
      h.textContent = 'layer ' + f.layer + ' (' + f.type + '): ' + f.channels + ' maps of ' + f.height + '×' + f.width;
      const row = document.createElement('div');
      row.className = 'layer';
      for (let c = 0; c < f.channels; c++) {
        const cv = document.createElement('canvas');
        cv.width = f.width;
        cv.height = f.height;
        const g = cv.getContext('2d');
        const img = g.createImageData(f.width, f.height);
        for (let i = 0; i < f.width * f.height; i++) {
          const v = f.values[c * f.width * f.height + i];
          img.data.set([v, v, v, 255], i * 4);
        }
        g.putImageData(img, 0, 0);
        row.appendChild(cv);
      }
      featureBox.append(h, row);
    }
  }

  [whyOn, whyMethod, featuresOn].forEach(el => el.addEventListener('change', () => {
    if (!whyOn.checked) whyBox.hidden = true;
    if (!featuresOn.checked) featureBox.hidden = true;
    predictNow();
  }));

  function reset() {
    last = null;
    guessEl.textContent = '?';
    confidenceEl.textContent = 'draw something';
    barsEl.querySelectorAll('.bar').forEach(row => {
      row.querySelector('.fill').style.width = '0';
      row.querySelector('.pct').textContent = '0%';
      row.classList.remove('top');
    });
    seen.clearRect(0, 0, 28, 28);
    whyBox.hidden = true;
    featureBox.hidden = true;
    rightBtn.disabled = true;
    wrongBox.querySelectorAll('button').forEach(b => { b.disabled = true; });
    statusEl.textContent = '';
  }

  async function sendFeedback(label) {
    if (!last) return;
    try {
      const res = await fetch('api/feedback', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({label, pixels: last.seen})});
      const json = await res.json();
      if (!res.ok) throw new Error(json.error);
      feedbackStatus.textContent = 'Thanks: saved as a ' + classNames[label] + ' to ' + json.file;
      refreshVersion();
      rightBtn.disabled = true;
      wrongBox.querySelectorAll('button').forEach(b => { b.disabled = true; });
    } catch (err) {
      feedbackStatus.textContent = 'could not save: ' + err.message;
    }
  }
  rightBtn.addEventListener('click', () => last && sendFeedback(last.label));

  function clear() {
    strokes = [];
    uploaded = null;
    requestId++;
    redraw();
    reset();
  }
  function undo() {
    if (strokes.length) strokes.pop(); else uploaded = null;
    redraw();
    predictNow();
  }
  document.getElementById('clear').addEventListener('click', clear);
  document.getElementById('undo').addEventListener('click', undo);
  document.addEventListener('keydown', e => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'z') { e.preventDefault(); undo(); }
    if (e.key === 'Escape') clear();
  });

  document.getElementById('upload').addEventListener('change', e => {
    const file = e.target.files[0];
    if (!file) return;
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => {
      strokes = [];
      uploaded = img;
      redraw();
      send(file, file.type || 'application/octet-stream');   // the original bytes: the server prepares them
    };
    img.onerror = () => { statusEl.textContent = file.name + ' is not an image this browser can show'; };
    img.src = url;
    e.target.value = '';
  });

  modelSelect.addEventListener('change', async () => {
    await loadModels(modelSelect.value);
    predictNow();
  });

  async function loadModels(selected) {
    const res = await fetch('api/models');
    const models = await res.json();
    if (!selected) {
      modelSelect.innerHTML = '';
      for (const m of models) {
        const o = document.createElement('option');
        o.value = m.name;
        o.textContent = m.name + ' (' + m.architecture + (m.testAccuracy ? ', ' + (100 * m.testAccuracy).toFixed(2) + ' %' : '') + ')';
        modelSelect.appendChild(o);
      }
      document.getElementById('model-picker').hidden = models.length < 2;
    }
    const chosen = models.find(m => m.name === modelSelect.value) || models[0];
    classNames = chosen.classNames;
    showVersion(chosen);
    buildBars();
    reset();
  }

  // serve --learn: which version is live and what it learned
  const versionEl = document.getElementById('version');
  function showVersion(m) {
    const live = m.versions && m.versions.find(v => v.live);
    versionEl.hidden = !live;
    if (live) versionEl.textContent = live.summary + (m.learning && m.learning.startsWith('learning') ? ' · ' + m.learning + '…' : '');
  }
  async function refreshVersion() {
    const models = await (await fetch('api/models')).json();
    showVersion(models.find(m => m.name === modelSelect.value) || models[0]);
  }

  redraw();
  buildBars();
  reset();
  loadModels().catch(err => { statusEl.textContent = 'cannot list models: ' + err.message; statusEl.classList.add('error'); });
  // for the game (play.js), and for browser tests to wait until every drawing has been encoded, sent and answered
  window.digitlab = {pending: () => inFlight + queued + (timer ? 1 : 0), last: () => last, clear, overlay,
    model: () => modelSelect.value, classNames: () => classNames, refreshVersion};
})();
