// What the citizens'-voice pages share (kiosk, feedback, the leader's page, the evaluation on
// /track): dates in Vietnam's time, JSON requests, and the evaluation's level buttons (elements
// are built with dom.js's el).
"use strict";

const TOKEN_KEY = "lienthong.token"; // the console's: an officer signed in there
const FEEDBACK_KINDS = { complaint: "Phản ánh", recommendation: "Kiến nghị" };

function localTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("vi-VN", {
    timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit",
    day: "2-digit", month: "2-digit", year: "numeric",
  });
}

class Failure extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error.code : "";
  }
}

async function request(path, { method = "GET", body, officer = false } = {}) {
  const headers = {};
  if (officer) headers.Authorization = `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Failure(response.status, data);
  return data;
}

// The evaluation form: one button per level for the overall evaluation, and a row of levels for
// each configured question (optional). `send(level, answers)` records it.
function evaluationForm(view, send) {
  const answers = {};
  const questions = view.questions.map((q) => el("div", { class: "eval-question" },
    el("div", {}, q.text),
    el("div", { class: "eval-choices" }, view.levels.map((lv) => el("label", { class: "eval-choice" },
      el("input", { type: "radio", name: `q-${q.id}`, value: lv.value,
        onchange: () => { answers[q.id] = lv.value; } }), ` ${lv.label}`)))));
  const levels = view.levels.map((lv) => el("button", {
    type: "button", class: `eval-level eval-level-${lv.value}`, "data-level": lv.value,
    onclick: () => send(lv.value, answers),
  }, `${lv.value}. ${lv.label}`));
  return el("div", { class: "eval-form" },
    questions.length ? el("div", { class: "eval-questions" },
      el("p", { class: "muted" }, "Câu hỏi thêm (không bắt buộc):"), questions) : null,
    el("p", { class: "eval-prompt" }, "Ông/bà hài lòng với việc giải quyết hồ sơ này ở mức nào?"),
    el("div", { class: "eval-levels" }, levels));
}
