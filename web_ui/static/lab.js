// The Lab: drives the simulated hat's phones and lines through the web process, polls
// their state, and streams earpiece audio to the browser (and the microphone back).
"use strict";

const csrf = document.body.dataset.csrf;
const RATE = 8000;

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({ detail: response.statusText }));
    alert(problem.detail);
  }
  return response;
}

function wire(card, kind) {
  const port = card.dataset.port;
  const base = kind === "phone" ? `/lab/phone/${port}` : `/lab/line/${port}`;
  card.querySelectorAll("[data-act]").forEach((button) => {
    button.addEventListener("click", () => {
      const body = { action: button.dataset.act };
      if (body.action === "ring") body.number = card.querySelector(".caller").value;
      if (body.action === "say") body.hz = 1000;
      post(base, body);
    });
  });
  card.querySelectorAll(".key").forEach((key) => {
    key.addEventListener("click", () => {
      if (kind === "phone") post(base, { action: "dial", digits: key.dataset.key });
      else speakDtmf(kind, port, key.dataset.key);
    });
  });
  card.querySelector(".listen").addEventListener("change", (event) => {
    if (event.target.checked) startListening(kind, port, event.target);
  });
  card.querySelector(".mic").addEventListener("change", (event) => {
    if (event.target.checked) startMicrophone(kind, port, event.target);
  });
}

// DTMF from the far end of a line: the tone pair made here, sent as audio.
const DTMF = { "1": [697, 1209], "2": [697, 1336], "3": [697, 1477], "4": [770, 1209],
  "5": [770, 1336], "6": [770, 1477], "7": [852, 1209], "8": [852, 1336], "9": [852, 1477],
  "*": [941, 1209], "0": [941, 1336], "#": [941, 1477] };

function speakDtmf(kind, port, key) {
  const [low, high] = DTMF[key];
  const samples = new Int16Array(RATE / 10);  // 100 ms at about -10 dBm0 per tone
  for (let i = 0; i < samples.length; i++) {
    const t = i / RATE;
    samples[i] = Math.round(3000 * (Math.sin(2 * Math.PI * low * t) + Math.sin(2 * Math.PI * high * t)));
  }
  post(`/lab/speak/${kind}/${port}`, { pcm: toBase64(samples) });
}

function toBase64(int16) {
  const bytes = new Uint8Array(int16.buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new Int16Array(bytes.buffer);
}

let audio = null;
function audioContext() {
  audio = audio || new AudioContext();
  return audio;
}

async function startListening(kind, port, checkbox) {
  const context = audioContext();
  let since = null;
  let playAt = 0;
  while (checkbox.checked) {
    const query = since === null ? "" : `?since=${since}`;
    const response = await fetch(`/lab/listen/${kind}/${port}${query}`);
    if (!response.ok) break;
    const heard = await response.json();
    const samples = fromBase64(heard.pcm);
    if (since !== null && samples.length) {
      const buffer = context.createBuffer(1, samples.length, RATE);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      playAt = Math.max(playAt, context.currentTime + 0.1);
      source.start(playAt);
      playAt += buffer.duration;
    }
    since = heard.end;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function startMicrophone(kind, port, checkbox) {
  const context = audioContext();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    alert(error.message);
    checkbox.checked = false;
    return;
  }
  const source = context.createMediaStreamSource(stream);
  const recorder = context.createScriptProcessor(4096, 1, 1);
  const step = context.sampleRate / RATE;
  recorder.onaudioprocess = (event) => {
    if (!checkbox.checked) {
      recorder.disconnect();
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    const input = event.inputBuffer.getChannelData(0);
    const out = new Int16Array(Math.floor(input.length / step));
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.max(-32768, Math.min(32767, Math.round(input[Math.floor(i * step)] * 32767)));
    }
    post(`/lab/speak/${kind}/${port}`, { pcm: toBase64(out) });
  };
  source.connect(recorder);
  recorder.connect(context.destination);
}

async function poll() {
  const response = await fetch("/lab/state");
  if (response.ok) {
    const state = await response.json();
    for (const [port, phone] of Object.entries(state.phones)) {
      const card = document.getElementById(`phone-${port}`);
      if (!card) continue;
      card.querySelector(".ringer").hidden = !phone.ringing;
      const cid = phone.caller_id;
      card.querySelector(".cid").textContent = cid ? `${cid.number} ${cid.name || ""}` : "";
      card.querySelector(".hears").textContent = phone.off_hook ? `☎ ${phone.hears || "…"}` : "";
      card.classList.toggle("off-hook", phone.off_hook);
      card.classList.toggle("ringing", phone.ringing);
    }
    for (const [port, line] of Object.entries(state.lines)) {
      const card = document.getElementById(`line-${port}`);
      if (!card) continue;
      card.querySelector(".status").textContent = line.ringing ? "🔔" : "";
      card.querySelector(".digits").textContent = line.digits_received || "";
    }
  }
  setTimeout(poll, 500);
}

document.querySelectorAll(".handset").forEach((card) => wire(card, "phone"));
document.querySelectorAll(".exchange").forEach((card) => wire(card, "line"));
poll();
