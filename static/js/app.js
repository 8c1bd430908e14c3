/* Foundations progressive enhancement. Every page works without this file.
   Features: quick exit, autosave with an offline queue, offline-safe submit, session time-out warning.
   Plain ES2017, no dependencies; each feature does nothing when its elements are absent. */
(function () {
  'use strict';

  var doc = document;
  var root = doc.documentElement;
  root.classList.add('js-enabled');

  // Touches the session clock; replaced by the time-out feature when the page is signed in.
  var sessionTouched = function () {};

  function csrfToken(scope) {
    var input = (scope || doc).querySelector('input[name="_csrf"]') || doc.querySelector('input[name="_csrf"]');
    if (input) return input.value;
    var meta = doc.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') || '' : '';
  }

  // post sends a same-origin form-encoded POST. Redirects are not followed, so a server that
  // redirects to the sign-in page shows up as an 'opaqueredirect' response (treated as signed out).
  function post(url, params) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8',
        'X-Requested-With': 'fetch',
        'Accept': 'application/json'
      },
      body: params.toString()
    });
  }

  function signedOut(res) {
    return res.type === 'opaqueredirect' || res.status === 401 || res.status === 403;
  }

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function storageSet(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
      return true;
    } catch (e) { return false; }
  }

  /* a) Quick exit ------------------------------------------------------------------------ */

  function exitTarget(el) {
    return el && (el.getAttribute('href') || el.getAttribute('data-quick-exit'));
  }

  var exiting = false;

  function quickExit(href) {
    exiting = true;
    try {
      doc.title = '';
      doc.body.innerHTML = '';
    } catch (e) { /* navigate regardless */ }
    window.location.replace(href);
  }

  doc.addEventListener('click', function (e) {
    var el = e.target && e.target.closest ? e.target.closest('[data-quick-exit]') : null;
    var href = exitTarget(el);
    if (!href) return;
    e.preventDefault();
    quickExit(href);
  });

  var shiftPresses = [];
  doc.addEventListener('keydown', function (e) {
    if (e.key !== 'Shift') { shiftPresses = []; return; }
    if (e.repeat || e.isComposing) return;
    var now = Date.now();
    shiftPresses = shiftPresses.filter(function (t) { return now - t < 1000; });
    shiftPresses.push(now);
    if (shiftPresses.length >= 3) {
      shiftPresses = [];
      var href = exitTarget(doc.querySelector('[data-quick-exit]'));
      if (href) quickExit(href);
    }
  });

  /* Answers kept on this device belong to one learner ----------------------------------- */

  // Unsent answers are filed under the signed-in learner's opaque key (body data-learner), so
  // on a shared computer one learner's are never restored into, or sent from, another's
  // session. A signed-in page forgets every other learner's (and the old unfiled ones); the
  // page after signing out forgets all. After a time-out they stay, filed under the learner,
  // for when that learner signs in again.
  var PENDING = 'foundations:pending:';
  var POSITION = 'foundations:position:';
  var learner = doc.body ? doc.body.getAttribute('data-learner') || '' : '';

  function forgetKept(keep) {
    try {
      var ls = window.localStorage;
      for (var i = ls.length - 1; i >= 0; i--) {
        var k = ls.key(i);
        if (k && (k.indexOf(PENDING) === 0 || k.indexOf(POSITION) === 0) && !(keep && k.indexOf(keep) !== -1)) ls.removeItem(k);
      }
    } catch (e) { /* no storage: nothing kept */ }
  }

  // And what a learner left on the device more than 12 hours ago (the longest a session
  // lasts) goes, whoever opens the next page: a shared computer keeps no old reflection.
  var KEPT_AT = 'foundations:kept-at:';
  function forgetStale() {
    try {
      var ls = window.localStorage, now = Date.now();
      for (var i = ls.length - 1; i >= 0; i--) {
        var k = ls.key(i);
        if (!k || k.indexOf(KEPT_AT) !== 0) continue;
        var at = parseInt(ls.getItem(k), 10);
        if (at > 0 && now - at < 12 * 3600 * 1000) continue;
        var who = ':' + k.slice(KEPT_AT.length) + ':';
        for (var j = ls.length - 1; j >= 0; j--) {
          var kk = ls.key(j);
          if (kk && (kk.indexOf(PENDING) === 0 || kk.indexOf(POSITION) === 0) && kk.indexOf(who) !== -1) ls.removeItem(kk);
        }
        ls.removeItem(k);
      }
    } catch (e) { /* no storage: nothing kept */ }
  }

  forgetStale();
  if (doc.body && doc.body.hasAttribute('data-signed-out')) {
    forgetKept('');
    forgetAllKeptAt();
  } else if (learner) forgetKept(':' + learner + ':');

  function forgetAllKeptAt() {
    try {
      var ls = window.localStorage;
      for (var i = ls.length - 1; i >= 0; i--) {
        var k = ls.key(i);
        if (k && k.indexOf(KEPT_AT) === 0) ls.removeItem(k);
      }
    } catch (e) { /* no storage */ }
  }

  /* b) and c) Autosave with an offline queue ---------------------------------------------- */

  function setupAutosave(form) {
    var url = form.getAttribute('data-autosave-url');
    var moduleID = form.getAttribute('data-module');
    if (!url || !moduleID || !learner) return;

    var key = PENDING + learner + ':' + moduleID;
    var status = form.querySelector('.app-save-status') || doc.getElementById('save-status');
    var memory = {};          // used when localStorage is unavailable or full
    var debounce = {};        // questionID -> {t, m} timers for text answers
    var retryDelay = 1000;
    var retryTimer = null;
    var running = null;       // Promise of the current send loop
    var submitting = false;
    var lastSubmitter = null;
    var MESSAGES = {
      offline: 'Not saved yet \u2014 we\u2019ll keep trying',
      signedOut: 'You have been signed out. Your answers are kept on this device \u2014 sign in again to save them.',
      rejected: 'This answer could not be saved.',
      submitOffline: 'You seem to be offline. Your answers are kept on this device and will be sent when the connection returns. Submit again then.'
    };

    function readPending() {
      var raw = storageGet(key);
      if (raw === null) return Object.assign({}, memory);
      try {
        var parsed = JSON.parse(raw);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
        var clean = {};
        Object.keys(parsed).forEach(function (id) {
          var v = parsed[id];
          clean[id] = Array.isArray(v) ? v.map(String) : [String(v)];
        });
        return clean;
      } catch (e) { return {}; }
    }

    function writePending(pending) {
      memory = pending;
      var empty = Object.keys(pending).length === 0;
      if (!empty) storageSet(KEPT_AT + learner, String(Date.now()));
      if (!storageSet(key, empty ? null : JSON.stringify(pending)) && !empty) {
        storageSet(key, null); // fall back to memory only rather than keep a stale copy
      }
    }

    function hasPending() { return Object.keys(readPending()).length > 0; }

    function fieldsFor(id) {
      var name = 'q.' + id;
      return Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
    }

    function isChoice(el) { return el.type === 'radio' || el.type === 'checkbox'; }

    function currentValue(id) {
      var values = [];
      fieldsFor(id).forEach(function (el) {
        if (isChoice(el)) { if (el.checked) values.push(el.value); }
        else if (el.tagName === 'SELECT') {
          Array.prototype.forEach.call(el.selectedOptions || [], function (o) { values.push(o.value); });
        } else values.push(el.value);
      });
      return values;
    }

    function restore(id, values) {
      var textIndex = 0;
      fieldsFor(id).forEach(function (el) {
        if (isChoice(el)) el.checked = values.indexOf(el.value) !== -1;
        else if (el.tagName === 'SELECT') {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
        } else { el.value = values[textIndex] || ''; textIndex++; }
      });
    }

    function questionOf(el) {
      return el && typeof el.name === 'string' && el.name.indexOf('q.') === 0 ? el.name.slice(2) : '';
    }

    function isText(el) { return el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && !isChoice(el)); }

    function record(id) {
      var pending = readPending();
      pending[id] = currentValue(id);
      writePending(pending);
    }

    // removeIfUnchanged drops a question from the store only if it still holds the value sent.
    function removeIfUnchanged(id, sent) {
      var pending = readPending();
      if (pending[id] && JSON.stringify(pending[id]) === sent) {
        delete pending[id];
        writePending(pending);
      }
    }

    function show(state, text) {
      if (!status) return;
      status.setAttribute('data-state', state);
      if (text !== undefined && status.textContent !== text) status.textContent = text;
    }

    function timeNow() {
      try {
        return new Date().toLocaleTimeString(root.lang || 'en-GB', { hour: '2-digit', minute: '2-digit' });
      } catch (e) {
        var d = new Date();
        return d.getHours() + ':' + String(d.getMinutes()).padStart(2, '0');
      }
    }

    function sendOne(id, values) {
      var params = new URLSearchParams();
      params.append('_csrf', csrfToken(form));
      params.append('question', id);
      values.forEach(function (v) { params.append('answer', v); });
      return post(url, params);
    }

    function messageOf(res) {
      return res.json().then(function (data) {
        return data && typeof data.message === 'string' && data.message ? data.message : MESSAGES.rejected;
      }, function () { return MESSAGES.rejected; });
    }

    function scheduleRetry() {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }

    // run sends every pending answer, one at a time, until none is left that it has not sent
    // in its current form. Resolves to 'ok', 'offline' or 'signedOut'.
    async function run() {
      clearTimeout(retryTimer);
      var sent = {};
      var saved = false;
      var rejection = '';
      for (;;) {
        var pending = readPending();
        var id = Object.keys(pending).find(function (q) { return sent[q] !== JSON.stringify(pending[q]); });
        if (id === undefined) break;
        var values = pending[id];
        var signature = JSON.stringify(values);
        sent[id] = signature;
        show('saving');
        var res;
        try {
          res = await sendOne(id, values);
        } catch (e) {
          show('offline', MESSAGES.offline);
          scheduleRetry();
          return 'offline';
        }
        if (signedOut(res)) {
          show('error', MESSAGES.signedOut);
          return 'signedOut';
        }
        if (res.status >= 500 || res.status === 408 || res.status === 429 || res.status === 0) {
          show('offline', MESSAGES.offline);
          scheduleRetry();
          return 'offline';
        }
        if (res.ok) {
          var data = null;
          try { data = await res.json(); } catch (e) { /* a 2xx without JSON still counts as saved */ }
          sessionTouched();
          if (data && data.saved === false) {
            rejection = typeof data.message === 'string' && data.message ? data.message : MESSAGES.rejected;
          } else {
            saved = true;
          }
          removeIfUnchanged(id, signature);
          continue;
        }
        // 400, 422 and any other 4xx: the server will never accept this value, so drop it.
        rejection = await messageOf(res);
        removeIfUnchanged(id, signature);
      }
      retryDelay = 1000;
      if (rejection) show('error', rejection);
      else if (saved) show('saved', 'Saved at ' + timeNow());
      else if (status && status.getAttribute('data-state') === 'saving') show('');
      return 'ok';
    }

    function flush() {
      if (!running) {
        running = run().catch(function () { return 'offline'; }).then(function (result) {
          running = null;
          return result;
        });
      }
      return running;
    }

    function cancelDebounce(id) {
      var d = debounce[id];
      if (!d) return;
      clearTimeout(d.t);
      clearTimeout(d.m);
      delete debounce[id];
    }

    function fire(id) {
      cancelDebounce(id);
      flush();
    }

    // Text answers are sent 800 ms after typing stops, and at least every 2 s while it goes on.
    function scheduleText(id) {
      var d = debounce[id] || (debounce[id] = {});
      clearTimeout(d.t);
      d.t = setTimeout(fire, 800, id);
      if (!d.m) d.m = setTimeout(fire, 2000, id);
    }

    form.addEventListener('input', function (e) {
      var id = questionOf(e.target);
      if (!id || !isText(e.target)) return;
      record(id);
      scheduleText(id);
    });

    form.addEventListener('change', function (e) {
      var id = questionOf(e.target);
      if (!id) return;
      record(id);
      fire(id);
    });

    window.addEventListener('online', function () {
      retryDelay = 1000;
      if (hasPending()) flush();
    });

    doc.addEventListener('visibilitychange', function () {
      if (doc.visibilityState === 'hidden' && Object.keys(debounce).length) {
        Object.keys(debounce).forEach(cancelDebounce);
        flush();
      }
    });

    form.addEventListener('click', function (e) {
      var b = e.target && e.target.closest ? e.target.closest('button, input[type="submit"], input[type="image"]') : null;
      if (b && b.form === form && (b.type === 'submit' || b.type === 'image')) lastSubmitter = b;
    });

    form.addEventListener('submit', function (e) {
      if (submitting) { e.preventDefault(); return; }
      if (!hasPending()) return;
      e.preventDefault();
      var submitter = e.submitter || lastSubmitter;
      submitting = true;
      Object.keys(debounce).forEach(cancelDebounce);
      clearTimeout(retryTimer);
      var settle = running ? running.then(flush) : flush();
      settle.then(function (result) {
        submitting = false;
        if (result === 'ok' && !hasPending()) {
          submitWith(submitter);
          return;
        }
        show('error', result === 'signedOut' ? MESSAGES.signedOut : MESSAGES.submitOffline);
        if (status) {
          if (!status.hasAttribute('tabindex')) status.setAttribute('tabindex', '-1');
          status.focus();
        }
      });
    });

    // submitWith submits the form natively, keeping the clicked button's name and value, which
    // form.submit() would otherwise drop.
    function submitWith(submitter) {
      var old = form.querySelector('input[data-app-submitter]');
      if (old) old.parentNode.removeChild(old);
      if (submitter && submitter.name) {
        var hidden = doc.createElement('input');
        hidden.type = 'hidden';
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        hidden.setAttribute('data-app-submitter', '');
        form.appendChild(hidden);
      }
      if (submitter && submitter.hasAttribute('formaction')) form.setAttribute('action', submitter.getAttribute('formaction'));
      HTMLFormElement.prototype.submit.call(form);
    }

    // Answers kept on this device override what the server rendered, then go to the server.
    var stored = readPending();
    var ids = Object.keys(stored);
    if (ids.length) {
      memory = stored;
      ids.forEach(function (id) { restore(id, stored[id]); });
      flush();
    }
  }

  var autosaveForm = doc.querySelector('form[data-autosave-url][data-module]');
  if (autosaveForm) setupAutosave(autosaveForm);

  /* e) Where the learner is in a module -------------------------------------------------- */

  // The module bar (server-rendered, sticky by CSS) counts the questions answered, names the
  // section in view, and points "Skip to the next unanswered question" at the first unanswered
  // question below it. A returning learner is brought back to the question they last worked on
  // (kept on this device, under their key) or else the first unanswered one.
  function setupModuleBar(form) {
    var bar = doc.getElementById('module-bar');
    if (!bar) return;
    var moduleID = form.getAttribute('data-module') || '';
    var answeredEl = bar.querySelector('[data-answered]');
    var sectionEl = bar.querySelector('[data-section]');
    var next = doc.getElementById('next-unanswered');
    var resume = doc.querySelector('a[data-resume]');
    var questions = Array.prototype.slice.call(form.querySelectorAll('.app-question[id]'));
    var sections = Array.prototype.slice.call(form.querySelectorAll('section[aria-labelledby]'));
    var posKey = learner ? POSITION + learner + ':' + moduleID : '';

    function answered(q) {
      return Array.prototype.some.call(q.querySelectorAll('input, textarea'), function (el) {
        return el.type === 'radio' || el.type === 'checkbox' ? el.checked : el.value.trim() !== '';
      });
    }

    function edge() { return bar.getBoundingClientRect().bottom + 1; }

    function nextUnanswered() {
      var open = questions.filter(function (q) { return !answered(q); });
      var e = edge();
      return open.find(function (q) { return q.getBoundingClientRect().bottom > e; }) || open[0] || null;
    }

    function update() {
      if (answeredEl) answeredEl.textContent = String(questions.filter(answered).length);
      if (sectionEl) {
        var cur = -1, e = edge();
        sections.forEach(function (sec, i) { if (sec.getBoundingClientRect().top <= e) cur = i; });
        sectionEl.textContent = cur < 0 ? '' : ' \u00b7 section ' + (cur + 1) + ' of ' + sections.length;
      }
      if (next) {
        var q = nextUnanswered();
        next.hidden = !q;
        if (q) next.setAttribute('href', '#' + q.id);
      }
    }

    function goTo(q) {
      var field = q.querySelector('input:not([type=hidden]), textarea') || q;
      q.scrollIntoView({ block: 'start' });
      if (field.focus) field.focus({ preventScroll: true });
    }

    if (next) {
      next.addEventListener('click', function (e) {
        var q = nextUnanswered();
        if (!q) return;
        e.preventDefault();
        goTo(q);
        update();
      });
    }

    function remember(el) {
      var q = el && el.closest ? el.closest('.app-question[id]') : null;
      if (q && posKey) storageSet(posKey, q.id);
    }
    form.addEventListener('change', function (e) { remember(e.target); update(); });
    form.addEventListener('input', function (e) { remember(e.target); update(); });
    form.addEventListener('focusin', function (e) { remember(e.target); });

    var ticking = false;
    window.addEventListener('scroll', function () {
      if (ticking) return;
      ticking = true;
      window.requestAnimationFrame(function () { ticking = false; update(); });
    }, { passive: true });

    // Coming back: to the question last worked on, else the first unanswered one, unless the
    // address already says where to go (an error summary link, "Save answers" without script).
    var last = posKey ? doc.getElementById(storageGet(posKey) || '') : null;
    if (last && questions.indexOf(last) === -1) last = null;
    if (resume && last) resume.setAttribute('href', '#' + last.id);
    if (!window.location.hash && resume) {
      var target = last || doc.getElementById((resume.getAttribute('href') || '').slice(1));
      if (target) target.scrollIntoView({ block: 'start' });
    }
    update();
  }

  var moduleForm = doc.querySelector('form[data-module]');
  if (moduleForm) setupModuleBar(moduleForm);

  /* d) Session time-out warning ---------------------------------------------------------- */

  function setupTimeout(body) {
    var timeout = parseInt(body.getAttribute('data-session-timeout'), 10);
    if (!(timeout > 0)) return;
    var keepaliveURL = body.getAttribute('data-keepalive-url') || '/session/keepalive';
    var signinURL = body.getAttribute('data-signin-url') || '/sign-in';
    var signoutURL = body.getAttribute('data-signout-url') || '/sign-out';
    var ACTIVITY_KEY = 'foundations:session-activity';
    var leadMs = Math.min(120, timeout) * 1000;
    var lastContact = Date.now();
    var dialog = null;
    var remainingEl = null;
    var liveEl = null;
    var errorEl = null;
    var shownBucket = -1;
    var returnFocus = null;
    var leaving = false;

    function touch() {
      lastContact = Date.now();
      storageSet(ACTIVITY_KEY, String(lastContact)); // other tabs extend the same session
      check();
    }
    sessionTouched = touch;

    function deadline() {
      var shared = parseInt(storageGet(ACTIVITY_KEY), 10);
      return Math.max(lastContact, shared > 0 ? shared : 0) + timeout * 1000;
    }

    function describe(seconds) {
      var m = Math.floor(seconds / 60);
      var s = seconds % 60;
      var parts = [];
      if (m) parts.push(m + (m === 1 ? ' minute' : ' minutes'));
      if (s) parts.push(s + ' seconds');
      return parts.join(' ') || 'less than 15 seconds';
    }

    function build() {
      dialog = doc.createElement('dialog');
      dialog.className = 'app-timeout-dialog';
      dialog.setAttribute('role', 'alertdialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-labelledby', 'app-timeout-title');
      dialog.setAttribute('aria-describedby', 'app-timeout-description');
      dialog.innerHTML =
        '<h2 class="govuk-heading-m" id="app-timeout-title">You will be signed out soon</h2>' +
        '<p class="govuk-body" id="app-timeout-description">' +
        'To protect your information, we will sign you out in <span class="app-timeout-dialog__remaining"></span> ' +
        'if you do nothing. Answers not yet saved are kept on this device.</p>' +
        '<p class="govuk-visually-hidden" aria-live="polite" aria-atomic="true"></p>' +
        '<p class="govuk-error-message" hidden></p>' +
        '<div class="govuk-button-group">' +
        '<button type="button" class="govuk-button" data-timeout-stay>Stay signed in</button>' +
        '<a class="govuk-link" href="" data-timeout-signout>Sign out</a>' +
        '</div>';
      remainingEl = dialog.querySelector('.app-timeout-dialog__remaining');
      liveEl = dialog.querySelector('[aria-live]');
      errorEl = dialog.querySelector('.govuk-error-message');
      dialog.querySelector('[data-timeout-signout]').setAttribute('href', signoutURL);
      dialog.querySelector('[data-timeout-stay]').addEventListener('click', stay);
      dialog.querySelector('[data-timeout-signout]').addEventListener('click', signOut);
      dialog.addEventListener('cancel', function (e) { e.preventDefault(); stay(); }); // Esc means stay
      body.appendChild(dialog);
    }

    function open() {
      if (!dialog) build();
      if (dialog.open) return;
      returnFocus = doc.activeElement;
      shownBucket = -1;
      liveEl.textContent = '';
      errorEl.hidden = true;
      update();
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
      dialog.querySelector('[data-timeout-stay]').focus();
    }

    function close() {
      if (!dialog || !dialog.open) return;
      if (typeof dialog.close === 'function') dialog.close();
      else dialog.removeAttribute('open');
      if (returnFocus && returnFocus.focus && doc.contains(returnFocus)) returnFocus.focus();
      returnFocus = null;
    }

    // update rewrites the remaining time (rounded down to 15 seconds) only when it crosses a
    // 15-second step. The description is read when the dialog opens; later steps are announced
    // through a separate polite live region, so screen readers hear it every 15 seconds.
    function update() {
      var seconds = Math.max(0, Math.floor((deadline() - Date.now()) / 1000));
      var bucket = Math.round(seconds / 15) * 15;
      if (bucket === shownBucket) return;
      var first = shownBucket === -1;
      shownBucket = bucket;
      remainingEl.textContent = describe(bucket);
      if (!first) liveEl.textContent = 'We will sign you out in ' + describe(bucket) + '.';
    }

    function expire() {
      if (leaving || exiting) return;
      leaving = true;
      var next = window.location.pathname + window.location.search;
      var sep = signinURL.indexOf('?') === -1 ? '?' : '&';
      window.location.assign(signinURL + sep + 'next=' + encodeURIComponent(next) + '&timeout=1');
    }

    function check() {
      if (leaving) return;
      var left = deadline() - Date.now();
      if (left <= 0) { expire(); return; }
      if (left <= leadMs) { open(); update(); } else close();
    }

    function stay() {
      var params = new URLSearchParams();
      params.append('_csrf', csrfToken());
      post(keepaliveURL, params).then(function (res) {
        if (signedOut(res)) { expire(); return; }
        if (!res.ok) throw new Error('keepalive ' + res.status);
        touch();
        close();
      }).catch(function () {
        errorEl.textContent = 'We could not reach the server. Check your connection and try again.';
        errorEl.hidden = false;
      });
    }

    function signOut(e) {
      e.preventDefault();
      leaving = true;
      var f = doc.createElement('form');
      f.method = 'post';
      f.action = signoutURL;
      f.hidden = true;
      var token = doc.createElement('input');
      token.type = 'hidden';
      token.name = '_csrf';
      token.value = csrfToken();
      f.appendChild(token);
      body.appendChild(f);
      HTMLFormElement.prototype.submit.call(f);
    }

    setInterval(check, 1000);
    doc.addEventListener('visibilitychange', function () { if (doc.visibilityState === 'visible') check(); });
    touch(); // rendering this page was itself contact with the server
  }

  if (doc.body) setupTimeout(doc.body);

  // ---------------------------------------------------------------------------
  // Error summary: as in the GOV.UK Design System, move focus to it when a
  // page is shown with errors, so screen reader and keyboard users start there.
  var summary = doc.querySelector('.govuk-error-summary');
  if (summary) {
    summary.setAttribute('tabindex', '-1');
    summary.focus();
  }
})();
