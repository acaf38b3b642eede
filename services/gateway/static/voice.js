// The leader's page of the console: per office and period, the evaluations by level, the
// satisfaction rate and the feedback figures, two charts the gateway draws (offices side by
// side, the rate over the months), and the feedback of the office and the offices below it to
// assign and answer. The officer signed in on the console (its token in sessionStorage).
"use strict";

const $ = (id) => document.getElementById(id);
const say = (text, kind = "error") => { $("message").className = kind; $("message").textContent = text; };
const pct = (rate) => (rate === null || rate === undefined ? "—" : `${rate}%`);
const shownCharts = {};

async function chart(id, query, name) {
  const response = await fetch(`/api/satisfaction.svg?${query}&chart=${name}`, {
    headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` },
  });
  if (!response.ok) return;
  if (shownCharts[id]) URL.revokeObjectURL(shownCharts[id]);
  shownCharts[id] = URL.createObjectURL(await response.blob());
  $(id).src = shownCharts[id];
}

function figuresTable(report) {
  const levels = report.offices[0].evaluations.by_level;
  const head = el("tr", {}, el("th", {}, "Cơ quan"), el("th", {}, "Số đánh giá"),
    levels.map((lv) => el("th", {}, lv.label)), el("th", {}, "Tỷ lệ hài lòng"),
    el("th", {}, "PAKN nhận"), el("th", {}, "Trả lời đúng hạn"), el("th", {}, "Trả lời quá hạn"),
    el("th", {}, "Đang xử lý (quá hạn)"));
  const rows = report.offices.map((o) => el("tr", { "data-office": o.office_id },
    el("td", {}, o.name), el("td", { "data-figure": "total" }, o.evaluations.total),
    o.evaluations.by_level.map((lv) => el("td", { "data-level": lv.level }, lv.count)),
    el("td", { "data-figure": "rate", class: (o.evaluations.satisfaction_rate ?? 100) < report.target_rate ? "below" : "" },
      pct(o.evaluations.satisfaction_rate)),
    el("td", { "data-figure": "received" }, o.feedback.received),
    el("td", { "data-figure": "on_time" }, o.feedback.answered_on_time),
    el("td", { "data-figure": "late" }, o.feedback.answered_late),
    el("td", { "data-figure": "pending" }, `${o.feedback.pending} (${o.feedback.pending_past_due})`)));
  $("figures-table").replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
}

function feedbackRow(f, office) {
  const act = async (action, body) => {
    try {
      await request(`/api/feedback/${encodeURIComponent(f.code)}/${action}`,
        { method: "POST", body, officer: true });
      await showFeedback(office);
      say(action === "assign" ? `Đã giao ${f.code}.` : `Đã trả lời ${f.code}; công dân nhận tin nhắn.`, "notice");
    } catch (e) { say(e.message); }
  };
  const assignee = el("input", { maxlength: 100, placeholder: "Tên cán bộ xử lý", class: "assignee" });
  const answer = el("textarea", { rows: 3, maxlength: 2000, placeholder: "Nội dung trả lời (ít nhất 10 ký tự)", class: "answer-text" });
  const open = f.status !== "answered";
  return el("article", { class: `feedback feedback-${f.status}${f.overdue ? " overdue" : ""}`, "data-code": f.code },
    el("div", { class: "feedback-head" },
      el("strong", {}, f.code), " ", el("span", { class: "kind" }, f.kind_label), " ",
      el("span", { class: `pay ${open ? "pay-due" : "pay-paid"}` }, f.status_label),
      f.overdue ? el("span", { class: "due due-overdue" }, "Quá hạn") : null),
    el("div", { class: "muted small" }, `Cơ quan ${f.office_id} · nhận ${localTime(f.received_at)} · hạn ${localTime(f.due_at)}`
      + (f.dossier_code ? ` · hồ sơ ${f.dossier_code}` : "") + (f.phone_tail ? ` · SĐT …${f.phone_tail}` : "")),
    el("p", { class: "free-text" }, f.content),
    f.assignee ? el("div", { class: "small" }, `Cán bộ xử lý: ${f.assignee} (giao bởi ${f.assigned_by})`) : null,
    f.answer ? el("div", { class: "answer" }, el("strong", {}, "Trả lời: "), el("span", { class: "free-text" }, f.answer),
      el("span", { class: "muted small" }, ` — ${f.answered_by}, ${localTime(f.answered_at)}`)) : null,
    open ? el("div", { class: "inline action-form" }, assignee,
      el("button", { type: "button", class: "assign", onclick: () => act("assign", { assignee: assignee.value }) }, "Giao xử lý")) : null,
    open ? el("div", { class: "action-form" }, answer,
      el("div", {}, el("button", { type: "button", class: "send-answer", onclick: () => act("answer", { answer: answer.value }) }, "Gửi trả lời"))) : null);
}

async function showFeedback(office) {
  const { feedback } = await request(`/api/offices/${encodeURIComponent(office)}/feedback`, { officer: true });
  $("feedback-rows").replaceChildren(...(feedback.length ? feedback.map((f) => feedbackRow(f, office))
    : [el("p", { class: "muted" }, "Chưa có phản ánh, kiến nghị nào.")]));
  $("feedback-list").classList.remove("hidden");
}

async function show(event) {
  if (event) event.preventDefault();
  say("");
  const query = new URLSearchParams({ office: $("office").value.trim(), from: $("from").value, to: $("to").value }).toString();
  $("figures").dataset.loaded = "false";
  let report;
  try {
    report = await request(`/api/satisfaction?${query}`, { officer: true });
  } catch (e) {
    say(e.status === 401 ? "Xin đăng nhập ở trang Một cửa trước." : e.message);
    return;
  }
  figuresTable(report);
  $("figures").classList.remove("hidden");
  await Promise.all([chart("chart-offices", query, "offices"), chart("chart-months", query, "months"),
    showFeedback(report.office_id)]);
  $("figures").dataset.loaded = "true";
}

async function start() {
  let me;
  try {
    me = await request("/api/me", { officer: true });
  } catch (e) { say("Xin đăng nhập ở trang Một cửa trước."); return; }
  const today = new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Ho_Chi_Minh" });
  $("office").value = me.office_id;
  $("from").value = `${today.slice(0, 4)}-01-01`;
  $("to").value = today;
  await show();
}

$("period").addEventListener("submit", show);
start();
