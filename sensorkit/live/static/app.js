// sensorkit live view: draws the snapshots the server sends over a WebSocket (no libraries).
"use strict";
const params = new URLSearchParams(location.search);
const token = params.get("token");
const q = token ? "?token=" + encodeURIComponent(token) : "";
const $ = (id) => document.getElementById(id);
const fmt = (v, d = 0) => (v === null || v === undefined || !isFinite(v)) ? "–" : Number(v).toFixed(d);
let layout = null, recording = null, lastCue = 0, audio = null, targetsShown = false;

function log(text) {
  const p = document.createElement("div");
  p.textContent = new Date().toLocaleTimeString() + "  " + text;   // text only: never HTML
  $("log").prepend(p);
}

async function post(path, body) {
  const r = await fetch("api/" + path + q, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = await r.json();
  if (!r.ok) { log("error: " + (data.error || r.status)); throw new Error(data.error); }
  return data;
}

function drawMap(side, s) {
  const cv = $("map-" + side); const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  if (!layout || !layout[side]) return;
  const L = layout[side];
  const w = L.foot_width_mm * 1.3, h = L.foot_length_mm * 1.05;
  const sx = cv.width / w, sy = cv.height / h;
  const X = (x) => cv.width / 2 + x * sx, Y = (y) => cv.height - (y + h * 0.02) * sy;
  if (L.outline.length) {
    ctx.beginPath(); L.outline.forEach(([x, y], i) => i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y)));
    ctx.closePath(); ctx.strokeStyle = "#999"; ctx.stroke();
  }
  const vals = s.values || [], top = s.peak_scale || 1;
  L.x_mm.forEach((x, i) => {
    const v = Math.max(0, Math.min(1, (vals[i] || 0) / top));
    ctx.beginPath(); ctx.arc(X(x), Y(L.y_mm[i]), 7, 0, 2 * Math.PI);
    ctx.fillStyle = `rgba(${Math.round(255 * v)},${Math.round(90 * (1 - v))},${Math.round(200 * (1 - v))},${0.25 + 0.75 * v})`;
    ctx.fill();
  });
  const tr = s.trail || [];
  ctx.strokeStyle = side === "left" ? "#0072B2" : "#D55E00"; ctx.lineWidth = 2; ctx.beginPath();
  tr.forEach(([x, y], i) => i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))); ctx.stroke();
  if (tr.length) { const [x, y] = tr[tr.length - 1]; ctx.beginPath(); ctx.arc(X(x), Y(y), 5, 0, 2 * Math.PI); ctx.fillStyle = "#000"; ctx.fill(); }
}

function drawTrace(snap) {
  const cv = $("trace"); const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  let tmax = -Infinity, fmax = 1e-6;
  for (const s of Object.values(snap.sides)) for (const [t, f] of s.history) { if (t > tmax) tmax = t; if (f > fmax) fmax = f; }
  const tmin = tmax - 4;
  for (const [side, s] of Object.entries(snap.sides)) {
    ctx.strokeStyle = side === "left" ? "#0072B2" : "#D55E00"; ctx.lineWidth = 1.5; ctx.beginPath();
    s.history.forEach(([t, f], i) => {
      const x = (t - tmin) / 4 * cv.width, y = cv.height - 4 - (f / fmax) * (cv.height - 8);
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
  }
}

function beep() {
  if (!$("sound").checked) return;
  audio = audio || new (window.AudioContext || window.webkitAudioContext)();
  const o = audio.createOscillator(), g = audio.createGain();
  o.frequency.value = 880; g.gain.value = 0.15; o.connect(g); g.connect(audio.destination);
  o.start(); o.stop(audio.currentTime + 0.15);
}

function showTargets(t) {
  const set = (id, v) => { $(id).value = (v === null || v === undefined) ? "" : v; };
  set("t-cad-min", t.cadence_min_spm); set("t-cad-max", t.cadence_max_spm);
  set("t-valr", t.valr_max); set("t-asym", t.asymmetry_max_pct);
}

let errorShown = false;
function show(snap) {
  if (snap.error && !errorShown) { log("error: " + snap.error); errorShown = true; }   // the device stopped
  if (!targetsShown && snap.targets) { showTargets(snap.targets); targetsShown = true; }
  $("elapsed").textContent = fmt(snap.t, 1);
  $("samples").textContent = snap.samples;
  document.querySelectorAll(".unit").forEach((e) => e.textContent = snap.unit);
  $("cadence").textContent = fmt(snap.cadence_spm);
  const a = snap.asymmetry;
  $("asym").textContent = (a.n_left < 5 || a.n_right < 5) ? `not enough data (n = ${a.n_left}/${a.n_right})`
    : `${fmt(a.contact_time_pct, 1)} (n = ${a.n_left}/${a.n_right})`;
  for (const side of ["left", "right"]) {
    const s = snap.sides[side]; if (!s) continue;
    $("force-" + side).textContent = fmt(s.force, snap.unit === "BW" ? 2 : 0);
    $("ct-" + side).textContent = fmt(s.contact_time_ms);
    $("lr-" + side).textContent = fmt(s.valr, snap.unit === "BW" ? 0 : 0);
    $("n-" + side).textContent = s.n_steps;
    $("pk-" + side).textContent = s.link.packets; $("loss-" + side).textContent = fmt(s.link.loss_pct, 1);
    $("gaps-" + side).textContent = s.link.gaps; $("bat-" + side).textContent = fmt(s.link.battery_pct);
    drawMap(side, s);
  }
  drawTrace(snap);
  recording = snap.recording;
  $("recording").hidden = !recording; $("record-btn").textContent = recording ? "Stop recording" : "Start recording";
  for (const c of snap.cues) if (c.id > lastCue) {
    lastCue = c.id; const el = $("cue"); el.textContent = `${c.cue}: ${c.value} ${c.unit}`; el.hidden = false;
    setTimeout(() => { el.hidden = true; }, 1500); beep();
  }
}

function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + q);
  ws.onopen = () => { $("status").textContent = "live"; };
  ws.onclose = () => { $("status").textContent = "disconnected, retrying…"; setTimeout(connect, 1000); };
  ws.onmessage = (ev) => { const m = JSON.parse(ev.data); if (m.layout) layout = m.layout; else show(m); };
}

$("record-btn").onclick = async () => {
  const r = await post("record", { action: recording ? "stop" : "start" });
  log(r.recording ? (recording ? "stopped " : "recording to ") + r.recording : "no recording");
};
$("tag-btn").onclick = async () => { const r = await post("tag", { label: $("tag-label").value || "tag" }); log("tag: " + r.tagged); };
$("targets-btn").onclick = async () => {
  const v = (id) => $(id).value === "" ? null : Number($(id).value);
  await post("targets", { cadence_min_spm: v("t-cad-min"), cadence_max_spm: v("t-cad-max"), valr_max: v("t-valr"), asymmetry_max_pct: v("t-asym") });
  log("targets set");
};
connect();
