// Duplex demo page: a chat whose rooms are pub/sub topics, and an echo panel.
// No framework. `window.duplexDemo` exposes the same actions the UI uses, for automated tests.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const MAX_LOG_ITEMS = 200;

  /** The WebSocket URL for `path` on this page's host, wss:// when the page came over https://. */
  const socketURL = (path) => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;

  /** Opens a WebSocket; resolves once it is open, rejects if it closes first. */
  function openSocket(path) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(socketURL(path));
      ws.binaryType = 'arraybuffer';
      ws.addEventListener('open', () => resolve(ws), { once: true });
      ws.addEventListener('close', (event) => reject(new Error(`connection failed (close code ${event.code})`)), { once: true });
    });
  }

  function requireOpen(ws, what) {
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error(`${what} is not connected`);
    return ws;
  }

  /** Appends an entry to a log list, keeping the newest MAX_LOG_ITEMS and scrolling to the end. */
  function appendLog(list, parts, className) {
    const item = document.createElement('li');
    if (className) item.className = className;
    for (const [text, partClass] of parts) {
      const span = document.createElement('span');
      if (partClass) span.className = partClass;
      span.textContent = text;
      item.append(span);
    }
    list.append(item);
    while (list.children.length > MAX_LOG_ITEMS) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  }

  function setStatus(element, text, tone) {
    element.textContent = text;
    element.classList.toggle('ok', tone === 'ok');
    element.classList.toggle('bad', tone === 'bad');
  }

  /** Enables or disables every input and button of a form. */
  function setFormEnabled(form, enabled) {
    for (const control of form.elements) control.disabled = !enabled;
  }

  const clock = (date) => date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

  /** Reads the server's `ts` field: epoch seconds or milliseconds, or an ISO 8601 string. */
  function timestamp(ts) {
    if (typeof ts === 'number') return new Date(ts < 1e12 ? ts * 1000 : ts);
    const parsed = typeof ts === 'string' ? Date.parse(ts) : NaN;
    return Number.isNaN(parsed) ? new Date() : new Date(parsed);
  }

  // ---- Chat -------------------------------------------------------------------------------

  const chat = { ws: null, room: null, name: null, messages: [], waiters: [] };
  const chatStatus = $('chat-status');
  const chatLog = $('chat-log');
  const chatForm = $('chat-form');

  function receiveChat(event) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      appendLog(chatLog, [['Unreadable message from the server.']], 'bad');
      return;
    }
    if (!message || typeof message.text !== 'string') return;
    chat.messages.push(message);
    appendLog(chatLog, [
      [clock(timestamp(message.ts)), 'meta'],
      [`#${message.room}`, 'meta'],
      [String(message.from), 'who'],
      [message.text],
    ], message.from === chat.name ? 'mine' : '');
    for (const waiter of chat.waiters.filter((candidate) => candidate.text === message.text)) waiter.resolve(message);
    chat.waiters = chat.waiters.filter((candidate) => candidate.text !== message.text);
  }

  /** Joins `room` as `name`, leaving the current room first. Resolves with the connection's details. */
  async function joinRoom(room, name) {
    if (chat.ws) chat.ws.close(1000, 'switching rooms');
    chat.ws = null;
    setFormEnabled(chatForm, false);
    setStatus(chatStatus, `Joining #${room}…`);
    const query = new URLSearchParams({ room, name });
    let ws;
    try {
      ws = await openSocket(`/chat?${query}`);
    } catch (error) {
      setStatus(chatStatus, `Could not join #${room}: ${error.message}`, 'bad');
      throw error;
    }
    Object.assign(chat, { ws, room, name });
    $('room').value = room;
    $('name').value = name;
    ws.addEventListener('message', receiveChat);
    ws.addEventListener('close', (event) => {
      if (chat.ws !== ws) return;
      chat.ws = null;
      setFormEnabled(chatForm, false);
      setStatus(chatStatus, `Left #${room} (close code ${event.code}${event.reason ? `, “${event.reason}”` : ''}).`, event.wasClean ? '' : 'bad');
    });
    setFormEnabled(chatForm, true);
    setStatus(chatStatus, `In #${room} as ${name}.`, 'ok');
    return { room, name, extensions: ws.extensions, protocol: ws.protocol };
  }

  /** Publishes `text` to the current room. */
  function sendChat(text) {
    requireOpen(chat.ws, 'Chat').send(text);
    return true;
  }

  /** Resolves with the first chat message whose text is `text` (already received or arriving within `timeoutMs`). */
  function waitForChat(text, timeoutMs = 5000) {
    const seen = chat.messages.find((message) => message.text === text);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { text, resolve };
      chat.waiters.push(waiter);
      setTimeout(() => {
        if (!chat.waiters.includes(waiter)) return;
        chat.waiters = chat.waiters.filter((other) => other !== waiter);
        reject(new Error(`no chat message "${text}" within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  // ---- Echo -------------------------------------------------------------------------------

  const echo = { ws: null, pending: [], closed: null };
  const echoStatus = $('echo-status');
  const echoLog = $('echo-log');
  const echoForms = [$('echo-text-form'), $('echo-binary-form'), $('close-form')];

  function showEchoState(connected) {
    for (const form of echoForms) form.querySelector('button').disabled = !connected;
    $('echo-connect').disabled = connected;
  }

  /** Connects to /echo (once). Resolves with the negotiated extensions and subprotocol. */
  async function connectEcho() {
    if (!echo.ws || echo.ws.readyState !== WebSocket.OPEN) {
      setStatus(echoStatus, 'Connecting…');
      let ws;
      try {
        ws = await openSocket('/echo');
      } catch (error) {
        setStatus(echoStatus, `Could not connect: ${error.message}`, 'bad');
        throw error;
      }
      echo.ws = ws;
      echo.closed = new Promise((resolve) => ws.addEventListener('close', resolve, { once: true }));
      ws.addEventListener('message', (event) => echo.pending.shift()?.resolve(event.data));
      echo.closed.then((event) => {
        for (const waiter of echo.pending.splice(0)) waiter.reject(new Error('echo connection closed'));
        showEchoState(false);
        setStatus(echoStatus, 'Disconnected.');
        setStatus($('close-result'), `Closed: code ${event.code}, reason “${event.reason}”, ${event.wasClean ? 'clean' : 'not clean'}.`, event.wasClean ? 'ok' : 'bad');
      });
      $('echo-extensions').textContent = ws.extensions || 'none';
      $('echo-protocol').textContent = ws.protocol || 'none';
      $('close-result').textContent = '';
      showEchoState(true);
      setStatus(echoStatus, 'Connected.', 'ok');
    }
    return { extensions: echo.ws.extensions, protocol: echo.ws.protocol };
  }

  /** Sends `payload` to /echo and resolves with the reply and the round-trip time in milliseconds. */
  async function roundTrip(payload) {
    const ws = requireOpen(echo.ws, 'Echo');
    const reply = new Promise((resolve, reject) => echo.pending.push({ resolve, reject }));
    const start = performance.now();
    ws.send(payload);
    const data = await reply;
    const rtt = performance.now() - start;
    $('echo-rtt').textContent = `${rtt.toFixed(2)} ms`;
    return { data, rtt };
  }

  function logEcho(kind, ok, size, rtt) {
    appendLog(echoLog, [[`${kind}, ${size} bytes`, 'who'], [ok ? `echoed in ${rtt.toFixed(2)} ms` : 'reply differs!']], ok ? '' : 'bad');
  }

  /** Echoes a text message; resolves with whether the reply matched and the round-trip time. */
  async function echoText(text) {
    const { data, rtt } = await roundTrip(text);
    const ok = typeof data === 'string' && data === text;
    logEcho('Text', ok, new TextEncoder().encode(text).length, rtt);
    return { ok, rtt, length: text.length };
  }

  /** Echoes `size` random bytes as a binary message; resolves with whether the reply matched and the round-trip time. */
  async function echoBinary(size) {
    const bytes = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
    const { data, rtt } = await roundTrip(bytes);
    const reply = data instanceof ArrayBuffer ? new Uint8Array(data) : null;
    const ok = reply !== null && reply.length === size && reply.every((byte, index) => byte === bytes[index]);
    logEcho('Binary', ok, size, rtt);
    return { ok, rtt, size };
  }

  /** Closes /echo with `code` and `reason`; resolves with the close event the page observed. */
  async function closeEcho(code, reason) {
    requireOpen(echo.ws, 'Echo').close(code, reason);
    const event = await echo.closed;
    return { code: event.code, reason: event.reason, wasClean: event.wasClean };
  }

  // ---- UI wiring --------------------------------------------------------------------------

  /** Runs an action from a form or button, reporting a failure in `statusElement` instead of throwing. */
  const guarded = (statusElement, action) => async (event) => {
    event.preventDefault();
    try {
      await action(event);
    } catch (error) {
      setStatus(statusElement, error.message, 'bad');
    }
  };

  $('join-form').addEventListener('submit', guarded(chatStatus, () => joinRoom($('room').value.trim(), $('name').value.trim())));
  chatForm.addEventListener('submit', guarded(chatStatus, () => {
    const input = $('chat-text');
    sendChat(input.value);
    input.value = '';
    input.focus();
  }));
  $('echo-connect').addEventListener('click', guarded(echoStatus, connectEcho));
  $('echo-text-form').addEventListener('submit', guarded(echoStatus, () => echoText($('echo-text').value)));
  $('echo-binary-form').addEventListener('submit', guarded(echoStatus, () => echoBinary(Number($('echo-size').value))));
  $('close-form').addEventListener('submit', guarded($('close-result'), () => closeEcho(Number($('close-code').value), $('close-reason').value)));

  setFormEnabled(chatForm, false);
  showEchoState(false);

  /** Test hook: the page's actions as async functions returning plain data. */
  window.duplexDemo = Object.freeze({ connectEcho, echoText, echoBinary, closeEcho, joinRoom, sendChat, waitForChat });
})();
