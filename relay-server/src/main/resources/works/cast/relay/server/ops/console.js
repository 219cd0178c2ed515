// dkim-relay operator console: refreshes the page from /api/status and draws the per-minute charts as inline SVG.
// Same-origin only, no inline script (the page's Content-Security-Policy forbids it), no libraries. Every value is
// put into the page as text (textContent / setAttribute), never as markup.
'use strict';
(function () {
  const REFRESH_MS = 5000;
  const SVG = 'http://www.w3.org/2000/svg';

  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      e.setAttribute(k, String(v));
    }
    for (const k of kids.flat(3)) {
      if (k !== null && k !== undefined) {
        e.append(k instanceof Node ? k : String(k));
      }
    }
    return e;
  }

  function s(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      e.setAttribute(k, String(v));
    }
    return e;
  }

  // seconds as the page shows them: 27s, 4m 27s, 3h 4m, 2d 3h (as ConsolePage.age)
  function age(s) {
    const f = Math.floor;
    if (s < 60) {
      return `${s}s`;
    }
    if (s < 3600) {
      return `${f(s / 60)}m ${s % 60}s`;
    }
    if (s < 86400) {
      return `${f(s / 3600)}h ${f((s % 3600) / 60)}m`;
    }
    return `${f(s / 86400)}d ${f((s % 86400) / 3600)}h`;
  }

  const sum = (a) => a.reduce((x, y) => x + y, 0);
  const or = (v, d) => (v === null || v === undefined ? d : v);

  function addUp(rows, n) {
    const out = new Array(n).fill(0);
    for (const r of rows) {
      r.forEach((v, i) => { out[i] += v; });
    }
    return out;
  }

  function table(head, rows, cls) {
    return h('table', cls ? { class: cls } : {},
      h('tr', {}, head.map((c) => h('th', {}, c))),
      rows.map((r) => h('tr', {}, r.map((c) => (c instanceof Node ? c : h('td', {}, c))))));
  }

  function chart(title, values, series, start) {
    const w = 4;
    const height = 48;
    const max = Math.max(1, ...values);
    const svg = s('svg', { viewBox: `0 0 ${values.length * w} ${height + 2}`, class: 'chart-svg', role: 'img' });
    svg.append(s('title', {}));
    svg.firstChild.textContent = `${title} per minute, last ${values.length} minutes`;
    svg.append(s('line', { x1: 0, y1: height + 1, x2: values.length * w, y2: height + 1, class: 'axis' }));
    const t0 = Date.parse(start);
    values.forEach((v, i) => {
      if (v > 0) {
        const bh = Math.max(1, Math.round((v / max) * height));
        const bar = s('rect', { x: i * w, y: height + 1 - bh, width: w - 1, height: bh, class: `bar ${series}` });
        const tip = s('title', {});
        tip.textContent = `${new Date(t0 + i * 60000).toISOString().slice(11, 16)} UTC: ${v}`;
        bar.append(tip);
        svg.append(bar);
      }
    });
    return h('figure', { class: 'chart', 'data-series': series, 'data-total': sum(values) },
      h('figcaption', {}, `${title}: ${sum(values)}`), svg);
  }

  function fill(id, ...kids) {
    const nodes = kids.flat(3).filter((k) => k !== null && k !== undefined);
    document.querySelector(`#${id} .body`).replaceChildren(...nodes);
  }

  function health(st) {
    const hl = st.health;
    const r = st.relay;
    fill('health',
      h('p', { class: hl.ready ? 'ok' : 'bad' }, hl.ready ? 'ready' : 'not ready'),
      hl.failing.length ? h('ul', {}, hl.failing.map((f) => h('li', {}, f))) : null,
      table([], [['RSA provider', r.rsa_provider], ['body scan', r.body_scan], ['delivery', r.delivery],
        ['version', r.version], ['started', r.started], ['uptime', age(r.uptime_seconds)]]
        .map(([k, v]) => [h('th', {}, k), v])));
    document.getElementById('meta').textContent =
      `version ${r.version} · up ${age(r.uptime_seconds)} · status of ${st.generated}`;
  }

  function domains(st) {
    fill('domains', st.domains.map((d) => h('article', { class: 'domain' },
      h('h3', {}, d.domain),
      table(['selector', 'algorithm', 'bits', 'state', 'age (days)', 'DNS record', 'record removable after'],
        d.selectors.map((x) => [h('td', { class: 'selector' }, x.selector), x.algorithm, x.bits,
          h('td', { class: `state ${x.state}` }, x.state), x.age_days, x.dns, or(x.record_removable_after, '-')]),
        'selectors'),
      d.sender_checks.length
        ? [h('ul', { class: 'checks' }, d.sender_checks.map((c) => h('li', { class: c.status },
          `${c.check} ${c.status}: ${c.detail}`))), h('p', { class: 'checked' }, `checked ${or(d.checked, '-')}`)]
        : h('p', { class: 'checks' }, 'sender checks: not run'))));
  }

  function traffic(st) {
    const t = st.traffic;
    const n = t.minutes;
    const rejected = Object.values(t.rejected);
    const signed = Object.entries(t.signed);
    const totals = [[h('th', {}, 'accepted'), sum(t.accepted)]];
    for (const [reason, v] of Object.entries(t.rejected)) {
      totals.push([h('th', {}, `rejected: ${reason}`), sum(v)]);
    }
    for (const [key, v] of signed) {
      totals.push([h('th', {}, `signed: ${key}`), sum(v)]);
    }
    for (const k of ['delivered', 'deferred', 'failed']) {
      totals.push([h('th', {}, k), sum(t[k])]);
    }
    const charts = h('div', { id: 'charts' },
      chart('accepted', t.accepted, 'accepted', t.start),
      chart('rejected', addUp(rejected, n), 'rejected', t.start),
      chart('signed', addUp(signed.map(([, v]) => v), n), 'signed', t.start),
      chart('delivered', t.delivered, 'delivered', t.start),
      chart('deferred or failed', addUp([t.deferred, t.failed], n), 'failed', t.start),
      signed.map(([key, v]) => chart(`signed ${key}`, v, 'signed', t.start)));
    fill('traffic', table([], totals, 'totals'), charts);
  }

  function tls(st) {
    const t = st.tls;
    const line = t.stricter_profile
      ? `profile ${t.profile}; ${t.stricter_profile} would refuse ${t.refused_by_stricter} of ${t.total} sessions `
        + `(${t.refused_percent} %)`
      : `profile ${t.profile} (the strictest)`;
    fill('tls', h('p', {}, line),
      table(['protocol', 'cipher', 'sessions', 'refused by stricter'],
        t.sessions.map((x) => [x.protocol, x.cipher, x.sessions, x.refused_by_stricter ? 'yes' : 'no'])));
  }

  function queue(st) {
    const q = st.queue;
    fill('queue',
      h('p', {}, h('span', { id: 'queue-size' }, q.size), ` messages queued, the oldest ${age(q.oldest_age_seconds)} old`),
      q.problem ? h('p', { class: 'bad' }, q.problem) : null,
      h('h3', {}, 'Deferred, by destination'),
      table(['destination', 'messages', 'recipients', 'next attempt', 'last error'],
        q.deferred.map((d) => [d.destination, d.messages, d.recipients, d.next_attempt, or(d.last_error, '-')]),
        'deferred'),
      h('h3', {}, 'Last failures'),
      h('div', { class: 'scroll' }, table(['time (UTC)', 'id', 'domain', 'result', 'reply'],
        q.failures.map((f) => [h('td', { title: f.time }, f.time.slice(11, 19)), f.id, f.domain, f.result, h('td', { class: 'reply' }, f.reply)]),
        'failures')));
  }

  function note(text) {
    let p = document.getElementById('refresh-note');
    if (!p) {
      p = h('p', { id: 'refresh-note' });
      document.querySelector('header').append(p);
    }
    p.textContent = text;
  }

  async function refresh() {
    try {
      const r = await fetch('/api/status', { credentials: 'same-origin', cache: 'no-store' });
      if (!r.ok) {
        throw new Error(`HTTP ${r.status}`);
      }
      const st = await r.json();
      health(st);
      domains(st);
      traffic(st);
      tls(st);
      queue(st);
      document.body.setAttribute('data-refreshed', st.generated);
      note(`refreshed every ${REFRESH_MS / 1000} s`);
    } catch (e) {
      note(`refresh failed: ${e.message}`);
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }

  refresh();
}());
