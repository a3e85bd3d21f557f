// The game: ten rounds, each asking for a digit (every digit once, in a shuffled order); the player draws it on the
// pad (mouse, touch or pen) and says Done; the round shows whether the model read it and how long it took. The end
// screen shows the score and the digits the model found hardest, with what its answer rested on. Every round's
// drawing is labelled by the question itself: with the player's consent (off by default) it joins the feedback.
(() => {
  'use strict';
  const ROUNDS = 10;
  const $ = id => document.getElementById(id);
  const game = $('game'), end = $('game-end'), playBtn = $('play'), doneBtn = $('game-done');
  const consent = $('game-consent'), verdict = $('game-verdict');
  let rounds = [];            // {digit, seen, label, confidence, ms, read, kept}
  let order = [];
  let started = 0;
  let clock = null;
  let pause = null;           // the short wait after a round's verdict
  let busy = false;           // a round is being scored: a second Done (a double click, Enter held) is ignored
  let sent = 0;               // feedback rows this game sent

  function shuffled() {
    const a = [...Array(ROUNDS).keys()];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  function start() {
    rounds = [];
    order = shuffled();
    sent = 0;
    consent.checked = false;  // consent is given for a game, never carried over
    end.hidden = true;
    game.hidden = false;
    playBtn.hidden = true;
    next();
  }

  function next() {
    const k = rounds.length;
    window.digitlab.clear();
    $('game-digit').textContent = window.digitlab.classNames()[order[k]];
    $('game-round').textContent = 'round ' + (k + 1) + ' of ' + ROUNDS;
    $('game-score').textContent = String(rounds.filter(r => r.read).length);
    verdict.textContent = '';
    verdict.className = 'game-verdict';
    doneBtn.disabled = false;
    busy = false;
    started = performance.now();
    clearInterval(clock);
    clock = setInterval(() => { $('game-time').textContent = ((performance.now() - started) / 1000).toFixed(1) + ' s'; }, 100);
  }

  async function done() {
    if (busy || game.hidden) return;
    busy = true;
    doneBtn.disabled = true;
    // the answer to the drawing as it is now, not to a stroke ago
    while (window.digitlab.pending() > 0) await new Promise(r => setTimeout(r, 30));
    const last = window.digitlab.last();
    if (!last) {
      verdict.textContent = 'Draw the digit first.';
      busy = false;
      doneBtn.disabled = false;
      return;
    }
    clearInterval(clock);
    const digit = order[rounds.length];
    const round = {digit, seen: last.seen, label: last.label, confidence: last.probabilities[digit],
      ms: performance.now() - started, read: last.label === digit, kept: false};
    rounds.push(round);
    const names = window.digitlab.classNames();
    verdict.textContent = round.read ? '✓ read as ' + names[last.label] : '✗ read as ' + names[last.label];
    verdict.className = 'game-verdict ' + (round.read ? 'good' : 'bad');
    $('game-score').textContent = String(rounds.filter(r => r.read).length);
    if (consent.checked) {
      try {
        const res = await fetch('api/feedback', {method: 'POST', headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({label: digit, pixels: last.seen})});
        round.kept = res.ok;
        sent += res.ok ? 1 : 0;
      } catch (err) {
        round.kept = false;
      }
    }
    pause = setTimeout(rounds.length < ROUNDS ? next : finish, 700);
  }

  async function finish() {
    game.hidden = true;
    end.hidden = false;
    const right = rounds.filter(r => r.read).length;
    const seconds = rounds.reduce((s, r) => s + r.ms, 0) / 1000;
    $('end-score').textContent = right + ' / ' + ROUNDS;
    $('end-time').textContent = 'in ' + seconds.toFixed(1) + ' s, ' + (seconds / ROUNDS).toFixed(1) + ' s a digit' +
      (sent ? '; ' + sent + ' of your drawings went to the feedback the model learns from' : '');
    const box = $('end-hardest');
    box.innerHTML = '';
    const hardest = [...rounds].sort((a, b) => a.confidence - b.confidence).slice(0, 3);
    const names = window.digitlab.classNames();
    for (const r of hardest) {
      const item = document.createElement('figure');
      item.className = 'hard';
      const cv = document.createElement('canvas');
      cv.width = 28;
      cv.height = 28;
      const caption = document.createElement('figcaption');
      caption.textContent = 'your ' + names[r.digit] + ': ' + (r.read ? (100 * r.confidence).toFixed(0) + ' % sure'
        : 'read as ' + names[r.label] + ', ' + (100 * r.confidence).toFixed(0) + ' % for ' + names[r.digit]);
      item.append(cv, caption);
      box.appendChild(item);
      try {
        const res = await fetch('api/explain', {method: 'POST', headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({model: window.digitlab.model() || undefined, pixels: r.seen, preprocess: false,
            methods: ['inputxgradient']})});
        const json = await res.json();
        if (!res.ok) throw new Error(json.error);
        window.digitlab.overlay(cv.getContext('2d'), r.seen, json.maps.inputxgradient);
        cv.title = 'what the answer (' + names[json.label] + ') rested on';
      } catch (err) {
        caption.textContent += ' (no explanation: ' + err.message + ')';
      }
    }
    playBtn.hidden = false;
    if (sent) window.digitlab.refreshVersion();
  }

  function quit() {
    clearInterval(clock);
    clearTimeout(pause);
    game.hidden = true;
    end.hidden = true;
    playBtn.hidden = false;
    window.digitlab.clear();
  }

  playBtn.addEventListener('click', start);
  $('game-again').addEventListener('click', start);
  $('game-quit').addEventListener('click', quit);
  $('game-stop').addEventListener('click', quit);
  doneBtn.addEventListener('click', done);
  document.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !game.hidden) {
      e.preventDefault();
      if (!e.repeat) done();
    }
  });
  // for browser tests: the rounds so far
  window.digitlab.game = () => ({rounds: rounds.map(r => ({digit: r.digit, label: r.label, read: r.read, kept: r.kept,
    seen: r.seen})),
    asking: game.hidden ? null : order[rounds.length]});
})();
