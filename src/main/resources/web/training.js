// The training dashboard: the runs under the served folder, and one run followed live through server-sent events
// (/api/runs/events): loss and accuracy every few steps (smoothed) and per epoch, the rate, images/s, the ETA and
// the epoch table. Charts are Chart.js, served by digitlab from its own jar.
(() => {
  'use strict';
  const runsEl = document.getElementById('runs');
  const titleEl = document.getElementById('run-title');
  const statusEl = document.getElementById('run-status');
  const tableEl = document.querySelector('#epochs tbody');
  const linesEl = document.getElementById('epoch-lines');
  const SMOOTH = 0.6;   // exponential moving average of the step points, as TensorBoard's slider
  let source = null;
  let run = null;

  function chart(id, title, series, log) {
    return new Chart(document.getElementById(id), {
      type: 'line',
      data: {datasets: series.map(([label, color, dash]) => ({label, data: [], borderColor: color, backgroundColor: color,
        borderDash: dash ? [6, 4] : [], pointRadius: dash ? 3 : 0, borderWidth: 2, tension: 0.2}))},
      options: {animation: false, maintainAspectRatio: false, parsing: false, plugins: {title: {display: true, text: title}},
        scales: {x: {type: 'linear', title: {display: true, text: 'epoch'}}, y: {type: log ? 'logarithmic' : 'linear'}}}
    });
  }
  const loss = chart('loss-chart', 'loss', [['train (smoothed)', '#2f6fed'], ['train, epoch', '#1f4fb0', true], ['validation', '#d64545', true]], true);
  const accuracy = chart('accuracy-chart', 'accuracy', [['train (smoothed)', '#2f6fed'], ['validation', '#d64545', true]]);
  const lr = chart('lr-chart', 'learning rate', [['rate', '#6b7385']]);
  const speed = chart('speed-chart', 'images per second', [['images/s', '#1f9d55']]);
  const charts = [loss, accuracy, lr, speed];

  let state;
  function clear() {
    state = {config: null, epochs: 0, stepsPerEpoch: 1, ema: null, emaAcc: null, last: null, finished: false};
    charts.forEach(c => { c.data.datasets.forEach(d => { d.data = []; }); c.update(); });
    tableEl.innerHTML = '';
    linesEl.textContent = '';
    statusEl.textContent = '';
  }

  function pct(v) { return v == null ? '-' : (100 * v).toFixed(2) + ' %'; }
  function num(v) { return v == null ? '-' : v.toFixed(4); }

  function onEvent(e) {
    const x = e.epoch !== undefined && e.stepsPerEpoch ? e.epoch - 1 + e.step / e.stepsPerEpoch : null;
    if (e.type === 'start') {
      state.config = e.config;
      state.epochs = e.epochs;
      state.stepsPerEpoch = e.stepsPerEpoch;
      statusEl.textContent = (e.epochsDone ? 'resumed after epoch ' + e.epochsDone + ': ' : 'started: ') + e.config.model
        + ' on ' + e.trainImages + ' images, ' + e.config.optimizer + ' ' + e.config.lr + ', batch ' + e.config.batchSize;
    } else if (e.type === 'step') {
      state.ema = state.ema == null ? e.loss : SMOOTH * state.ema + (1 - SMOOTH) * e.loss;
      state.emaAcc = state.emaAcc == null ? e.accuracy : SMOOTH * state.emaAcc + (1 - SMOOTH) * e.accuracy;
      loss.data.datasets[0].data.push({x, y: state.ema});
      accuracy.data.datasets[0].data.push({x, y: state.emaAcc});
      lr.data.datasets[0].data.push({x, y: e.lr});
      speed.data.datasets[0].data.push({x, y: e.imagesPerSecond});
      state.last = e;
      const left = (state.epochs - e.epoch) * e.stepsPerEpoch + (e.stepsPerEpoch - e.step);
      const stepsPerSecond = e.imagesPerSecond / (state.config ? state.config.batchSize : 1);
      statusEl.textContent = 'epoch ' + e.epoch + '/' + state.epochs + ', step ' + e.step + '/' + e.stepsPerEpoch
        + ' · loss ' + state.ema.toFixed(4) + ' · ' + Math.round(e.imagesPerSecond) + ' images/s · about '
        + Math.round(left / Math.max(stepsPerSecond, 1e-9)) + ' s left';
    } else if (e.type === 'epoch') {
      const s = e.stats;
      loss.data.datasets[1].data.push({x: s.epoch, y: s.trainLoss});
      if (s.valLoss != null) loss.data.datasets[2].data.push({x: s.epoch, y: s.valLoss});
      if (s.valAccuracy != null) accuracy.data.datasets[1].data.push({x: s.epoch, y: s.valAccuracy});
      const row = document.createElement('tr');
      [s.epoch, num(s.trainLoss), num(s.valLoss), pct(s.trainAccuracy), pct(s.valAccuracy), s.lr.toPrecision(3),
        s.seconds.toFixed(1)].forEach(v => { const td = document.createElement('td'); td.textContent = String(v); row.appendChild(td); });
      tableEl.appendChild(row);
      linesEl.textContent += e.line + '\n';
    } else if (e.type === 'finish') {
      state.finished = true;
      statusEl.textContent = 'finished' + (e.earlyStop ? ' (early stop)' : '')
        + (e.testAccuracy != null ? ': test accuracy ' + pct(e.testAccuracy) + ', test loss ' + num(e.testLoss) : '');
    }
  }

  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; charts.forEach(c => c.update('none')); });
  }

  function follow(id) {
    if (source) source.close();
    run = id;
    clear();
    titleEl.textContent = id;
    history.replaceState(null, '', '?run=' + encodeURIComponent(id));
    runsEl.querySelectorAll('li[data-run]').forEach(li => li.classList.toggle('selected', li.dataset.run === id));
    source = new EventSource('api/runs/events?run=' + encodeURIComponent(id));
    source.addEventListener('training', m => { onEvent(JSON.parse(m.data)); redraw(); });
    source.addEventListener('end', () => { source.close(); listRuns(); });
    // The server says 404 until a run's first line is written and 503 when it follows too many; a dropped stream
    // would start over from the first line: either way, start again cleanly in a moment.
    source.addEventListener('error', () => {
      if (state.finished) return;
      source.close();
      if (!statusEl.textContent.endsWith('(connection lost)')) statusEl.textContent += ' (connection lost)';
      setTimeout(() => { if (run === id && !state.finished) follow(id); }, 2000);
    });
  }

  async function listRuns() {
    const res = await fetch('api/runs');
    const runs = await res.json();
    runsEl.innerHTML = '';
    let group = null;
    for (const r of runs) {
      if (r.group !== group) {
        group = r.group;
        if (group) {
          const g = document.createElement('li');
          g.className = 'group';
          g.textContent = group;
          runsEl.appendChild(g);
        }
      }
      const li = document.createElement('li');
      li.dataset.run = r.id;
      li.classList.toggle('selected', r.id === run);
      const name = document.createElement('span');
      name.textContent = group ? r.id.slice(group.length + 1) : r.id;
      const badge = document.createElement('span');
      badge.className = 'badge ' + r.status;
      badge.textContent = r.status + ' · ' + r.epochs + ' ep';
      li.append(name, badge);
      li.addEventListener('click', () => follow(r.id));
      runsEl.appendChild(li);
    }
    return runs;
  }

  listRuns().then(runs => {
    const wanted = new URLSearchParams(location.search).get('run');
    const running = runs.find(r => r.status === 'running');
    const first = wanted || (running || runs[runs.length - 1] || {}).id;
    if (first) follow(first);
  });
  setInterval(listRuns, 5000);
  // lets browser tests see the charts fill
  window.digitlab = {points: () => loss.data.datasets[0].data.length, finished: () => state.finished,
    rows: () => Array.from(tableEl.querySelectorAll('tr')).map(r => r.textContent), lines: () => linesEl.textContent};
})();
