// The Runs page's two charts (uPlot, served by the console itself). Data comes from
// /api/runs, the same summaries the table below is rendered from. No inline script: CSP forbids it.
(function () {
  'use strict';
  var section = document.querySelector('.charts');
  if (!section || typeof uPlot === 'undefined') return;
  var since = section.getAttribute('data-since') || '7d';

  function draw(target, title, xs, series) {
    var el = document.getElementById(target);
    if (!el) return;
    var width = Math.max(360, el.clientWidth || 480);
    var palette = ['#1570ef', '#dc6803', '#079455', '#7a5af8', '#d92d20', '#0e9384', '#c11574'];
    var opts = {
      title: title,
      width: width,
      height: 220,
      scales: { x: { time: true } },
      series: [{}].concat(
        series.map(function (s, i) {
          return { label: s.label, stroke: palette[i % palette.length], width: 2, points: { show: true } };
        }),
      ),
    };
    new uPlot(
      opts,
      [xs].concat(
        series.map(function (s) {
          return s.values;
        }),
      ),
      el,
    );
    el.setAttribute('data-drawn', String(xs.length));
  }

  fetch('/api/runs?since=' + encodeURIComponent(since), { credentials: 'same-origin' })
    .then(function (res) {
      if (!res.ok) throw new Error('runs: HTTP ' + res.status);
      return res.json();
    })
    .then(function (body) {
      var runs = body.runs
        .filter(function (r) {
          return r.startedAt;
        })
        .reverse();
      var xs = runs.map(function (r) {
        return Date.parse(r.startedAt) / 1000;
      });
      var keys = [];
      runs.forEach(function (r) {
        Object.keys(r.perTarget).forEach(function (k) {
          if (keys.indexOf(k) < 0) keys.push(k);
        });
      });
      draw(
        'chart-deleted',
        '',
        xs,
        keys.map(function (k) {
          return {
            label: k,
            values: runs.map(function (r) {
              return k in r.perTarget ? r.perTarget[k] : null;
            }),
          };
        }),
      );
      draw('chart-duration', '', xs, [
        {
          label: 'duration (s)',
          values: runs.map(function (r) {
            return r.durationSeconds;
          }),
        },
      ]);
    })
    .catch(function (err) {
      section.setAttribute('data-error', String(err && err.message));
    });
})();
