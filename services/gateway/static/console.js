// Officer console: sign in with a token, worklist (transferred in, waiting to be taken; in hand)
// with due colouring, dossier page with its timeline and exactly the actions its state allows,
// the receive form, and the printable forms of Circular 03/2025: 01 receipt, 02 supplement
// request, 03 refusal at the counter, 04 apology and new date, 05 notice of stopping,
// 06 control sheet, 07 tracking book; for leaders, the Decision 766 scorecard.
// No framework; the DOM is built with textContent only (no HTML from data).
"use strict";

const TOKEN_KEY = "lienthong.token";
const ROLES = { receiver: "Cán bộ tiếp nhận", handler: "Cán bộ xử lý", leader: "Lãnh đạo" };
const LEVELS = { commune: "Cấp xã", district: "Cấp huyện", province: "Cấp tỉnh", any: "" };
const DUE = {
  on_time: "Trong hạn", due_soon: "Sắp đến hạn", overdue: "Quá hạn",
  early: "Xong trước hạn", late: "Xong quá hạn", finished: "Đã kết thúc",
  paused: "Tạm dừng (chờ bổ sung)",
};
// the clock also stops while the citizen pays: a fee awaited online, a financial obligation
const PAYING_STATES = ["awaiting_fee", "obligation_requested"];
const PAYING_BADGE = "Chờ nộp tiền";
// a step's or a dossier's result against its due (forms 06 and 07)
const TIMING = { early: "Trước hạn", on_time: "Đúng hạn", late: "Quá hạn" };
const ACTIONS = {
  accept: "Tiếp nhận hồ sơ chuyển đến",
  request_supplement: "Yêu cầu bổ sung hồ sơ",
  supplement: "Công dân đã bổ sung hồ sơ",
  resolve: "Hoàn thành giải quyết",
  refuse: "Từ chối giải quyết",
  extend: "Xin lỗi và hẹn lại ngày trả (mẫu 04)",
  stop: "Dừng giải quyết",
  withdraw: "Công dân rút hồ sơ",
  return_result: "Gửi kết quả qua bưu chính",
  hand_over: "Trả kết quả cho công dân",
  request_obligation: "Thông báo nghĩa vụ tài chính",
  accept_online: "Tiếp nhận hồ sơ nộp trực tuyến",
  request_online_supplement: "Yêu cầu bổ sung trước khi tiếp nhận (mẫu 02)",
  refuse_online: "Không tiếp nhận (mẫu 03)",
};
// what each action asks the officer for (the API's fields)
const ACTION_FIELDS = {
  request_supplement: ["missing_documents", "reason"],
  refuse: ["reason"],
  extend: ["new_due_at", "reason"],
  stop: ["reason"],
  withdraw: ["reason"],
  request_obligation: ["amount_vnd", "reason", "pay_by"],
  request_online_supplement: ["missing_documents", "reason"],
  refuse_online: ["reason"],
};
const FIELD_LABELS = {
  missing_documents: "Giấy tờ cần bổ sung (mỗi dòng một loại)",
  reason: "Lý do",
  new_due_at: "Ngày, giờ hẹn trả kết quả mới (giờ Việt Nam)",
  note: "Ghi chú",
  amount_vnd: "Số tiền phải nộp (đồng, số nguyên)",
  pay_by: "Hạn nộp (giờ Việt Nam)",
};
// labels that differ by action
const ACTION_FIELD_LABELS = {
  "request_supplement.reason": "Lý do yêu cầu bổ sung",
  "extend.reason": "Lý do chậm trễ (ghi trên phiếu xin lỗi)",
  "stop.reason": "Lý do dừng giải quyết",
  "refuse.reason": "Lý do từ chối giải quyết",
  "withdraw.reason": "Lý do rút hồ sơ",
  "request_obligation.reason": "Khoản phải nộp (ví dụ: lệ phí trước bạ, thuế thu nhập cá nhân)",
  "request_online_supplement.missing_documents": "Giấy tờ cần nộp bổ sung",
  "request_online_supplement.reason": "Lý do yêu cầu bổ sung",
  "refuse_online.reason": "Lý do không tiếp nhận",
};
const EVENTS = {
  dossier_received: "Tiếp nhận hồ sơ",
  dossier_forwarded: "Chuyển hồ sơ",
  dossier_arrived: "Hồ sơ đến cơ quan giải quyết",
  dossier_accepted: "Tiếp nhận hồ sơ chuyển đến",
  supplement_requested: "Yêu cầu bổ sung",
  dossier_supplemented: "Đã bổ sung hồ sơ",
  dossier_resolved: "Hoàn thành giải quyết",
  dossier_refused: "Từ chối giải quyết",
  dossier_stopped: "Dừng giải quyết",
  dossier_withdrawn: "Rút hồ sơ",
  dossier_extended: "Xin lỗi và hẹn lại ngày trả kết quả",
  result_returned: "Kết quả về Bộ phận Một cửa",
  result_sent_by_post: "Gửi kết quả qua bưu chính",
  result_delivered_by_post: "Bưu chính đã phát kết quả",
  result_returned_from_post: "Bưu chính hoàn kết quả về",
  result_handed_over: "Trả kết quả cho công dân",
  dossier_due_soon: "Cảnh báo sắp đến hạn",
  dossier_overdue: "Cảnh báo quá hạn",
  fee_confirmed: "Đã nộp phí, lệ phí trực tuyến: hồ sơ được tiếp nhận",
  obligation_requested: "Thông báo nghĩa vụ tài chính",
  obligation_fulfilled: "Đã thực hiện nghĩa vụ tài chính",
  obligation_overdue: "Quá hạn nộp nghĩa vụ tài chính",
  online_dossier_accepted: "Kiểm tra và tiếp nhận hồ sơ nộp trực tuyến",
  online_dossier_supplemented: "Công dân nộp bổ sung trực tuyến: chờ kiểm tra lại",
  dossier_not_accepted: "Không tiếp nhận hồ sơ nộp trực tuyến (mẫu 03)",
};
// money (contracts/money.py)
const PAY_KINDS = { fee: "Phí, lệ phí", obligation: "Nghĩa vụ tài chính" };
const PAY_STATUS = { due: "Chờ nộp", paid: "Đã nộp", refunded: "Đã hoàn trả", cancelled: "Đã huỷ" };
const PAY_METHODS = {
  cash: "Tiền mặt", transfer: "Chuyển khoản", post: "Nộp cho nhân viên bưu chính", online: "Trực tuyến",
};
const PAY_EVENTS = {
  fee_paid: "Nộp phí, lệ phí", obligation_paid: "Nộp nghĩa vụ tài chính", refunded: "Hoàn trả",
};
const SMS = {
  queued: "chờ gửi", held: "giữ lại (ngoài giờ)", sending: "đang gửi", sent: "đã gửi",
  delivered: "đã đến máy", failed: "gửi lỗi",
};
const POST = {
  requested: "yêu cầu chuyển phát", picked_up: "bưu tá đã nhận", in_transit: "đang chuyển",
  failed_attempt: "phát không thành công", delivered: "đã phát", returned: "chuyển hoàn",
  cancelled: "đã huỷ",
};
const KINDS = { workflow: "Xử lý", sms: "SMS", postal: "Bưu chính", payment: "Thanh toán" };
// the citizen SMS templates (services/notification/templates.yaml) by what they say
const SMS_TEMPLATES = {
  received: "báo tiếp nhận", supplement_requested: "yêu cầu bổ sung", supplemented: "đã nhận bổ sung",
  forwarded: "chuyển hồ sơ", result_ready: "có kết quả", sent_by_post: "gửi kết quả qua bưu chính",
  result_ready_ascii: "có kết quả", delivered: "đã phát kết quả", late: "xin lỗi, hẹn lại",
  returned_from_post: "bưu chính hoàn kết quả",
  payment_due: "báo nộp tiền", obligation_paid: "đã nộp nghĩa vụ tài chính",
  submitted_online: "báo đã nhận hồ sơ trực tuyến", not_accepted_online: "báo không tiếp nhận",
  result_file: "báo có kết quả bản điện tử",
};
const CHANNELS = { counter: "Trực tiếp", online: "Trực tuyến", post: "Qua bưu chính" };
const METHODS = { counter: "Tại Bộ phận Một cửa", post: "Qua dịch vụ bưu chính" };
const METHODS_SHORT = { counter: "Trực tiếp", post: "Bưu chính" };
const SYSTEM_NAME = "Hệ thống (tự động)";
// ended with no result to judge early or late: the badge says only that it ended
const ENDED_WITHOUT_RESULT = ["stopped", "withdrawn", "not_accepted"];
const FORMS = { original: "Bản chính", certified_copy: "Bản sao chứng thực", copy: "Bản sao" };

let me = null;
let notice = ""; // said on the next page (a new hash draws a new page and clears the message)
const catalog = { offices: null, procedures: null };

// ---- helpers -----------------------------------------------------------------------------

// Times as Vietnam reads them (UTC+7 all year, no summer time): the parts are computed here,
// not left to the browser's locale, so screen, print and tests agree.
function ict(iso) {
  const t = new Date(Date.parse(iso) + 7 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return {
    year: String(t.getUTCFullYear()), month: two(t.getUTCMonth() + 1), day: two(t.getUTCDate()),
    hour: two(t.getUTCHours()), minute: two(t.getUTCMinutes()),
  };
}

function when(iso) { // 09:30 12/03/2025
  if (!iso) return "";
  const t = ict(iso);
  return `${t.hour}:${t.minute} ${t.day}/${t.month}/${t.year}`;
}

function day(iso) { // 12/03/2025
  if (!iso) return "";
  const t = ict(iso);
  return `${t.day}/${t.month}/${t.year}`;
}

function longDay(iso) { // ngày 12 tháng 03 năm 2025
  if (!iso) return "";
  const t = ict(iso);
  return `ngày ${t.day} tháng ${t.month} năm ${t.year}`;
}

function longWhen(iso) { // 09 giờ 30 phút, ngày 12 tháng 03 năm 2025
  if (!iso) return "";
  const t = ict(iso);
  return `${t.hour} giờ ${t.minute} phút, ${longDay(iso)}`;
}

function localInput(iso) { // the value of a datetime-local input, in Vietnam's time
  const t = ict(iso);
  return `${t.year}-${t.month}-${t.day}T${t.hour}:${t.minute}`;
}

function today() { // YYYY-MM-DD in Vietnam
  const t = ict(new Date().toISOString());
  return `${t.year}-${t.month}-${t.day}`;
}

function dayText(ymd) { // 2025-03-12 -> 12/03/2025
  const [y, m, d] = ymd.split("-");
  return `${d}/${m}/${y}`;
}

function vnd(amount) { // 1500000 -> "1.500.000 ₫" (Vietnamese grouping, whatever the locale)
  return `${String(Math.trunc(Number(amount) || 0)).replace(/\B(?=(\d{3})+(?!\d))/g, ".")} ₫`;
}

function say(text, ok = false) {
  const message = document.getElementById("message");
  message.className = ok ? "notice" : "error";
  message.textContent = text || "";
}

class ApiFailure extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error && body.error.code;
  }
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiFailure(response.status, data);
  return data;
}

function explain(error) {
  if (error.status === 401) return "Mã truy cập không hợp lệ hoặc đã bị thu hồi.";
  if (error.status === 403) return "Hồ sơ này không thuộc cơ quan của bạn.";
  if (error.status === 404) return "Không tìm thấy hồ sơ.";
  if (error.code === "appointment_passed") {
    return "Đã quá hạn hẹn trả: không thể xin lỗi và hẹn lại sau thời điểm này.";
  }
  if (error.status === 409) return "Trạng thái hồ sơ không cho phép thao tác này.";
  if (error.status === 422) return `Thông tin chưa hợp lệ: ${error.message}`;
  return `Đã có lỗi: ${error.message}`;
}

async function loadCatalog() {
  if (!catalog.offices) {
    const [offices, procedures] = await Promise.all([
      api("/api/catalog/offices"), api("/api/catalog/procedures"),
    ]);
    catalog.offices = Object.fromEntries(offices.offices.map((o) => [o.id, o]));
    catalog.procedures = Object.fromEntries(procedures.procedures.map((p) => [p.code, p]));
  }
}

function officeName(id) {
  if (id === "post") return "Bưu chính";
  return (catalog.offices && catalog.offices[id] && catalog.offices[id].name) || id;
}

// "Thị trấn Vàm Láng" -> "Vàm Láng": the place written before the date of a form
function placeName(id) {
  return officeName(id).replace(/^(Thị trấn|Thị xã|Thành phố|Xã|Phường|Huyện|Quận|Tỉnh)\s+/u, "");
}

// The office as it acts in a form's sentences: its people's committee
function agencyName(id) {
  if (id === "post") return "Bưu chính";
  return `UBND ${officeName(id)}`;
}

// The heading line of a form: the people's committee the office is
function committeeName(id) {
  if (id === "post") return "BƯU CHÍNH";
  return `UBND ${officeName(id).toUpperCase()}`;
}

// the clock stopped for money shows as such, not as a supplement awaited
function dueBadge(status, state = null) {
  const label = onlineBadge(status, state)
    || (status === "paused" && PAYING_STATES.includes(state) ? PAYING_BADGE : DUE[status] || status);
  return el("span", { class: `due due-${status}` }, label);
}

function show(...nodes) {
  document.getElementById("view").replaceChildren(...nodes.filter((n) => n !== null && n !== undefined));
}

// ---- sign in ----------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
  document.getElementById("token").value = "";
  await start();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
  location.hash = "#/";
  start();
}

async function start() {
  say("");
  const signInCard = document.getElementById("sign-in");
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    signInCard.classList.remove("hidden");
    document.getElementById("nav").classList.add("hidden");
    document.getElementById("sign-out").classList.add("hidden");
    document.getElementById("who").textContent = "";
    show();
    return;
  }
  try {
    me = await api("/api/me");
    await loadCatalog();
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    signInCard.classList.remove("hidden");
    say(explain(error));
    return;
  }
  signInCard.classList.add("hidden");
  document.getElementById("nav").classList.remove("hidden");
  document.getElementById("sign-out").classList.remove("hidden");
  document.getElementById("nav-receive").classList.toggle("hidden", me.role !== "receiver");
  document.getElementById("nav-scorecard").classList.toggle("hidden", me.role !== "leader");
  document.getElementById("nav-voice").classList.toggle("hidden", me.role !== "leader");
  document.getElementById("who").textContent =
    `${me.name} — ${ROLES[me.role] || me.role}, ${me.office_name}`;
  await route();
}

// ---- views ------------------------------------------------------------------------------

async function route() {
  if (!me) return;
  const [, view, ...rest] = (location.hash || "#/").split("/");
  const arg = rest.map((part) => decodeURIComponent(part));
  const code = arg[0];
  say(notice, true);
  notice = "";
  try {
    if (view === "dossier" && code) await dossierView(code);
    else if (view === "receive") receiveView();
    else if (view === "receipt" && code) await receiptView(code);
    else if (view === "control" && code) await controlView(code);
    else if (view === "supplement" && code) await supplementView(code);
    else if (view === "apology" && code) await apologyView(code);
    else if (view === "stop" && code) await stopView(code);
    else if (view === "book" && arg.length === 3) await bookView(arg[0], arg[1], arg[2]);
    else if (view === "book") bookFormView();
    else if (view === "scorecard" && arg.length === 3) await scorecardView(arg[0], arg[1], arg[2]);
    else if (view === "scorecard") scorecardView(me.office_id, ...quarterOf(today()));
    else await worklistView();
  } catch (error) {
    if (error.status === 401) { signOut(); say(explain(error)); return; }
    show();
    say(explain(error));
  }
}

function worklistRow(d) {
  return el("tr", { class: `due-row-${d.due_status}`, "data-code": d.code },
    el("td", { class: "nowrap" }, el("a", { href: `#/dossier/${encodeURIComponent(d.code)}` }, d.code)),
    el("td", {}, d.procedure_name),
    el("td", {}, d.status_label),
    el("td", {}, when(d.current_due_at)),
    el("td", {}, when(d.appointment_at)),
    el("td", {}, dueBadge(d.due_status, d.state)));
}

// One part of the worklist a page at a time, soonest due first; "Xem thêm" appends the next.
async function worklistPart(part, id, heading, empty) {
  const path = `/api/offices/${encodeURIComponent(me.office_id)}/worklist?part=${part}`;
  const data = await api(path);
  const title = el("h2", {});
  const body = el("tbody", {}, data.dossiers.map(worklistRow));
  const more = el("button", { type: "button", class: "secondary", id: `${id}-more` }, "Xem thêm");
  const table = el("table", { class: "worklist-table" },
    el("thead", {}, el("tr", {}, ["Mã hồ sơ", "Thủ tục", "Trạng thái", "Hạn xử lý",
      "Hẹn trả", "Tiến độ"].map((h) => el("th", {}, h)))),
    body);
  let next = data.next;
  const count = () => {
    title.textContent = `${heading} (${body.children.length}${next ? "+" : ""})`;
    more.classList.toggle("hidden", !next);
  };
  more.onclick = async () => {
    more.disabled = true;
    try {
      const page = await api(`${path}&after=${encodeURIComponent(next)}`);
      page.dossiers.forEach((d) => body.append(worklistRow(d)));
      next = page.next;
      count();
    } catch (error) {
      say(explain(error));
    } finally {
      more.disabled = false;
    }
  };
  count();
  return el("section", { class: "card worklist", id, "data-part": part }, title,
    data.dossiers.length === 0 ? el("p", { class: "muted" }, empty) : table,
    el("p", {}, more));
}

async function worklistView() {
  const [incoming, inHand] = await Promise.all([
    worklistPart("incoming", "incoming", "Hồ sơ chuyển đến chờ tiếp nhận",
      "Không có hồ sơ nào chuyển đến đang chờ tiếp nhận."),
    worklistPart("in_hand", "worklist", "Hồ sơ đang giải quyết",
      "Không có hồ sơ nào đang giải quyết."),
  ]);
  show(incoming, inHand);
}

function timelineText(entry) {
  if (entry.kind === "sms") {
    const template = SMS_TEMPLATES[entry.template_id] || entry.template_id;
    return `Tin nhắn “${template}” đến ${entry.to}: ${SMS[entry.status] || entry.status}`;
  }
  if (entry.kind === "postal") {
    const by = entry.by ? ` (${entry.by})` : "";
    return `Bưu gửi ${entry.tracking_number}: ${POST[entry.status] || entry.status}${by}`;
  }
  if (entry.kind === "payment") {
    const kind = PAY_EVENTS[entry.type] || entry.type;
    const method = PAY_METHODS[entry.method] || entry.method || "";
    const receipt = entry.receipt_number ? ` — biên lai số ${entry.receipt_number}` : "";
    return `${kind} ${vnd(entry.amount_vnd)}${method ? ` (${method.toLowerCase()})` : ""}${receipt}`;
  }
  let text = EVENTS[entry.type] || entry.type;
  if (entry.amount_vnd && entry.kind === "workflow") text += ` ${vnd(entry.amount_vnd)}`;
  if (entry.office_id) text += ` — ${officeName(entry.office_id)}`;
  if (entry.by) text += ` — ${entry.by}`;
  if (entry.reason) text += `: ${entry.reason}`;
  if (entry.missing_documents && entry.missing_documents.length) {
    text += ` (cần bổ sung: ${entry.missing_documents.join("; ")})`;
  }
  if (entry.type === "dossier_extended" && (entry.new_appointment_at || entry.appointment_at)) {
    text += ` — hẹn trả mới: ${when(entry.new_appointment_at || entry.appointment_at)}`;
  }
  if (entry.type === "obligation_requested" && entry.pay_by) text += ` — hạn nộp ${when(entry.pay_by)}`;
  if (["fee_confirmed", "obligation_fulfilled"].includes(entry.type) && entry.appointment_at) {
    text += ` — hẹn trả: ${when(entry.appointment_at)}`;
  }
  return text;
}

function actionForm(dossier, action) {
  const fields = ACTION_FIELDS[action] || ["note"];
  const inputs = {};
  const form = el("form", { class: "action-form hidden", id: `form-${action}` });
  if (action === "extend") {
    form.append(el("p", { class: "muted" },
      `Hẹn trả hiện tại: ${when(dossier.appointment_at)}. Cơ quan xin lỗi công dân và hẹn lại ngày trả kết quả; `,
      "chỉ lập được trước thời điểm hẹn trả."));
  }
  if (action === "request_obligation") {
    form.append(el("p", { class: "muted" },
      "Hồ sơ tạm dừng tính thời gian (mã trạng thái 6) cho đến khi công dân nộp đủ; công dân nhận tin nhắn, ",
      `nộp trực tuyến hoặc tại Bộ phận Một cửa ${officeName(dossier.receiving_office_id)}.`));
  }
  for (const field of fields) {
    const id = `${action}-${field}`;
    let input;
    if (field === "missing_documents" && action === "request_online_supplement") {
      // the parts of its procedure, ticked (the citizen uploads them on the tracking page)
      const parts = ((catalog.procedures[dossier.procedure_code] || {}).documents || []).map((doc) =>
        el("label", { class: "check" }, el("input", { type: "checkbox", value: doc.name, "data-part": doc.id }), ` ${doc.name}`));
      inputs[field] = el("fieldset", { id, class: "parts-check" }, parts);
      form.append(el("label", { for: id }, ACTION_FIELD_LABELS[`${action}.${field}`]), inputs[field]);
      continue;
    }
    if (field === "missing_documents") input = el("textarea", { id, rows: 3, required: true });
    else if (field === "amount_vnd") {
      input = el("input", { id, required: true, inputmode: "numeric", maxlength: 20, autocomplete: "off", class: "amount" });
      const shown = el("span", { class: "muted amount-words", id: `${id}-shown` });
      input.addEventListener("input", () => {
        const amount = wholeVnd(input.value);
        shown.textContent = amount ? `= ${vnd(amount)}` : "";
      });
      inputs[field] = input;
      form.append(el("label", { for: id }, ACTION_FIELD_LABELS[`${action}.${field}`] || FIELD_LABELS[field]),
        el("div", { class: "amount-row" }, input, shown));
      continue;
    } else if (field === "pay_by") {
      input = el("input", { id, type: "datetime-local", required: true, min: localInput(new Date().toISOString()) });
    } else if (field === "new_due_at") {
      input = el("input", {
        id, type: "datetime-local", required: true,
        min: dossier.appointment_at ? localInput(dossier.appointment_at) : null,
      });
    } else input = el("input", { id, required: field === "reason", maxlength: 1000 });
    inputs[field] = input;
    form.append(el("label", { for: id }, ACTION_FIELD_LABELS[`${action}.${field}`] || FIELD_LABELS[field]), input);
  }
  // the answer is said here too: the officer is looking at this form, not at the top of the page
  const failure = el("p", { class: "error", id: `error-${action}`, role: "alert" });
  form.append(el("p", {}, el("button", { type: "submit", id: `confirm-${action}` }, `Xác nhận: ${ACTIONS[action]}`)), failure);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say("");
    failure.textContent = "";
    if (inputs.amount_vnd && !wholeVnd(inputs.amount_vnd.value)) {
      failure.textContent = "Số tiền phải là số nguyên dương, tính bằng đồng (ví dụ 1.500.000).";
      return;
    }
    const body = { action };
    for (const [field, input] of Object.entries(inputs)) {
      if (input.tagName === "FIELDSET") {
        body[field] = [...input.querySelectorAll("input:checked")].map((box) => box.value);
        continue;
      }
      const value = input.value.trim();
      if (!value) continue;
      if (field === "missing_documents") body[field] = value.split("\n").map((s) => s.trim()).filter(Boolean);
      else if (field === "new_due_at" || field === "pay_by") body[field] = `${value.slice(0, 16)}:00+07:00`;
      else if (field === "amount_vnd") body[field] = wholeVnd(value);
      else body[field] = value;
    }
    try {
      await api(`/api/dossiers/${encodeURIComponent(dossier.code)}/actions`, { method: "POST", body });
      await dossierView(dossier.code);
      say(`Đã thực hiện: ${ACTIONS[action]}.`, true);
      window.scrollTo(0, 0);
    } catch (error) {
      say(explain(error));
      failure.textContent = explain(error);
    }
  });
  return form;
}

// "1.500.000", "1 500 000" or "1500000" -> 1500000; anything else (a fraction, letters) -> null
function wholeVnd(text) {
  const digits = String(text).trim().replace(/[.\s]/g, "");
  if (!/^[0-9]{1,12}$/.test(digits)) return null;
  const amount = Number(digits);
  return amount >= 1 ? amount : null;
}

function lastOf(list, predicate = () => true) {
  const found = (list || []).filter(predicate);
  return found.length ? found[found.length - 1] : null;
}

// The printable forms that apply to a dossier, as links
function formLinks(d) {
  const link = (id, view, label) => el("a", {
    class: "button secondary", id, href: `#/${view}/${encodeURIComponent(d.code)}`,
  }, label);
  const refused = d.state === "not_accepted";
  return el("p", { class: "no-print", id: "form-links" },
    refused ? link("print-receipt", "receipt", "Phiếu từ chối tiếp nhận (mẫu 03)")
      : link("print-receipt", "receipt", "Giấy tiếp nhận (mẫu 01)"),
    lastOf(d.history, (h) => h.type === "supplement_requested")
      ? link("print-supplement", "supplement", "Phiếu yêu cầu bổ sung (mẫu 02)") : null,
    d.apologies && d.apologies.length
      ? link("print-apology", "apology", "Phiếu xin lỗi, hẹn lại (mẫu 04)") : null,
    d.state === "stopped" ? link("print-stop", "stop", "Thông báo dừng giải quyết (mẫu 05)") : null,
    refused ? null : link("print-control", "control", "Phiếu kiểm soát (mẫu 06)"),
    d.state === "returned" ? el("a", { // the counter's tablet: the citizen evaluates (kiosk.js)
      class: "button secondary", id: "open-kiosk", href: `/kiosk?code=${encodeURIComponent(d.code)}`,
    }, "Mời công dân đánh giá (máy tính bảng)") : null);
}

// What the dossier's payments are; a receiver at the payment's counter takes what is due.
function paymentsSection(d) {
  const payments = d.payments || [];
  if (!payments.length) return null;
  const atCounter = (p) => p.status === "due" && ["receiver", "leader"].includes(me.role) && me.office_id === p.office_id;
  const statusText = (p) => [el("span", { class: `pay pay-${p.status}` }, PAY_STATUS[p.status] || p.status),
    p.refunded_vnd ? el("div", { class: "muted small" }, `hoàn ${vnd(p.refunded_vnd)}`) : null];
  const rows = payments.map((p) => el("tr", { "data-payment": p.payment_id, class: `payment payment-${p.status}` },
    el("td", {}, PAY_KINDS[p.kind] || p.kind),
    el("td", { class: "nowrap amount" }, vnd(p.amount_vnd)),
    el("td", {}, statusText(p)),
    el("td", {}, p.method ? PAY_METHODS[p.method] || p.method : p.pay_url ? "Trực tuyến (đã gửi đường dẫn thanh toán)" : "—",
      p.status === "paid" && p.paid_at ? el("div", { class: "muted small" }, `lúc ${when(p.paid_at)}`) : null),
    el("td", { class: "receipt-number" }, p.receipt_number || "—"),
    el("td", { class: "nowrap" }, p.pay_by ? when(p.pay_by) : "—"),
    el("td", {}, p.reason || "")));
  const counters = payments.filter(atCounter).map((p) => counterPaymentForm(d, p));
  return el("section", { class: "card", id: "payments" },
    el("h2", {}, "Thanh toán"),
    el("table", { class: "payments-table" },
      el("thead", {}, el("tr", {}, ["Loại", "Số tiền", "Trạng thái", "Hình thức", "Biên lai",
        "Hạn nộp", "Lý do"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows)),
    counters);
}

function counterPaymentForm(d, p) {
  const id = `pay-${p.payment_id}`;
  const method = el("select", { id: `${id}-method`, class: "pay-method" },
    el("option", { value: "cash" }, PAY_METHODS.cash), el("option", { value: "transfer" }, PAY_METHODS.transfer));
  const failure = el("p", { class: "error", role: "alert" });
  const button = el("button", { type: "submit", class: "pay-at-counter", id: `${id}-button` }, "Thu tiền tại quầy");
  const form = el("form", { class: "action-form counter-payment", id, "data-payment": p.payment_id },
    el("p", {}, el("strong", {}, `Thu tại quầy: ${PAY_KINDS[p.kind] || p.kind} ${vnd(p.amount_vnd)}`),
      p.reason ? ` — ${p.reason}` : ""),
    el("label", { for: `${id}-method` }, "Hình thức nộp"),
    el("div", { class: "inline" }, method, button),
    failure);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say("");
    failure.textContent = "";
    button.disabled = true;
    try {
      const paid = await api(`/api/dossiers/${encodeURIComponent(d.code)}/payments`, {
        method: "POST", body: { method: method.value, payment_id: p.payment_id },
      });
      await dossierView(d.code);
      say(`Đã thu ${vnd(paid.amount_vnd)} (${(PAY_METHODS[paid.method] || paid.method).toLowerCase()}) — biên lai số ${paid.receipt_number}.`, true);
      window.scrollTo(0, 0);
    } catch (error) {
      button.disabled = false;
      const text = error.code === "nothing_due" ? "Khoản này không còn phải nộp (đã được nộp)."
        : error.code === "not_your_counter" ? "Chỉ Bộ phận Một cửa đã tiếp nhận hồ sơ mới thu khoản này."
          : explain(error);
      say(text);
      failure.textContent = text;
    }
  });
  return form;
}

async function dossierView(code) {
  const d = await api(`/api/dossiers/${encodeURIComponent(code)}`);
  const forms = d.actions.map((action) => actionForm(d, action));
  const buttons = d.actions.map((action) => el("button", {
    type: "button", class: "action", id: `action-${action}`, "data-action": action,
    onclick: () => {
      forms.forEach((f) => f.classList.toggle("hidden", f.id !== `form-${action}`));
    },
  }, ACTIONS[action] || action));
  const steps = d.route.map((step, i) => el("li", {
    class: step.done_at || i < d.step_index || ["resolved", "refused", "ready_at_counter", "returning_by_post", "returned"].includes(d.state)
      ? "done" : i === d.step_index ? "current" : "",
  }, `${LEVELS[step.level] || step.level} ${officeName(step.office_id)} — hạn ${when(step.due_at)}`,
    step.done_at ? ` — xong ${when(step.done_at)}${step.timing ? ` (${TIMING[step.timing] || step.timing})` : ""}` : ""));
  const timeline = d.timeline.map((entry) => el("tr", { class: `timeline-${entry.kind}` },
    el("td", { class: "nowrap" }, when(entry.at)),
    el("td", { class: "nowrap" }, el("span", { class: `kind kind-${entry.kind}` }, KINDS[entry.kind] || entry.kind)),
    el("td", {}, timelineText(entry))));
  const row = (label, ...value) => el("tr", {}, el("th", {}, label), el("td", {}, ...value));
  show(
    el("section", { class: "card", id: "dossier", "data-state": d.state },
      el("h2", {}, `Hồ sơ ${d.code}`),
      el("table", { class: "facts" },
        row("Thủ tục", d.procedure_name),
        el("tr", {}, el("th", {}, "Trạng thái"), el("td", { id: "status" }, d.status_label, " ", dueBadge(ENDED_WITHOUT_RESULT.includes(d.state) ? "finished" : d.due_status, d.state),
          el("div", { class: "muted small", id: "national-status" }, `Mã trạng thái (Cổng DVC quốc gia): ${d.national_status}`))),
        row("Nơi tiếp nhận", officeName(d.receiving_office_id), ` (${CHANNELS[d.channel] || d.channel})`),
        row("Đang ở", officeName(d.office_id), d.at_office ? "" : " (đang chuyển)"),
        row("Hạn xử lý bước này", when(d.current_due_at)),
        row("Hẹn trả kết quả", el("span", { id: "appointment" }, when(d.appointment_at))),
        row("Hạn giải quyết theo quy định", el("span", { id: "legal-due" }, d.legal_due_at ? when(d.legal_due_at) : "—")),
        row("Trả kết quả", METHODS[d.return_method] || d.return_method)),
      el("h2", {}, "Các bước"), el("ul", { class: "steps" }, steps),
      formLinks(d)),
    paymentsSection(d),
    documentsSection(d),
    el("section", { class: "card", id: "actions" },
      el("h2", {}, "Thao tác"),
      buttons.length ? buttons : el("p", { class: "muted" }, "Không có thao tác nào bạn được thực hiện ở trạng thái này."),
      forms),
    el("section", { class: "card" },
      el("h2", {}, "Diễn biến (xử lý, SMS, bưu chính)"),
      el("table", { id: "timeline" }, el("tbody", {}, timeline))),
  );
}

function receiveView() {
  const procedures = Object.values(catalog.procedures);
  const select = el("select", { id: "procedure", required: true },
    el("option", { value: "" }, "— Chọn thủ tục —"),
    procedures.map((p) => el("option", { value: p.code }, `${p.code} — ${p.name}`)));
  const documents = el("div", { id: "documents" });
  // the fee and how it is paid: at the counter (cash, transfer), online before acceptance, or
  // (a dossier that came by post) to the postal worker; nothing to choose when there is no fee
  const feeAmount = el("strong", { id: "fee-amount" });
  const feeMethod = el("select", { id: "fee_method" });
  const feeNote = el("p", { class: "muted small", id: "fee-note" });
  const fee = el("div", { id: "fee", class: "hidden" },
    el("p", {}, "Phí, lệ phí: ", feeAmount),
    el("label", { for: "fee_method" }, "Hình thức nộp phí"), feeMethod, feeNote);
  const channel = el("select", { id: "channel" }, el("option", { value: "counter" }, CHANNELS.counter), el("option", { value: "online" }, CHANNELS.online));
  const feeOf = () => Number((catalog.procedures[select.value] || {}).fee_vnd || 0);
  const showFee = () => {
    const amount = feeOf();
    fee.classList.toggle("hidden", !amount);
    feeAmount.textContent = amount ? vnd(amount) : "";
    const methods = channel.value === "post" ? ["post"] : ["cash", "transfer", "online"];
    if (methods.join() !== [...feeMethod.options].map((o) => o.value).join()) {
      feeMethod.replaceChildren(...methods.map((m) => el("option", { value: m }, PAY_METHODS[m])));
    }
    feeNote.textContent = feeMethod.value === "online"
      ? "Hồ sơ chỉ được tiếp nhận sau khi công dân nộp phí trực tuyến; công dân nhận tin nhắn và đường dẫn thanh toán."
      : "Thu ngay khi tiếp nhận; số biên lai ghi trên giấy tiếp nhận.";
  };
  feeMethod.addEventListener("change", showFee);
  channel.addEventListener("change", showFee);
  select.addEventListener("change", () => {
    const p = catalog.procedures[select.value];
    showFee();
    documents.replaceChildren(...(p ? [
      el("p", { class: "muted" }, "Giấy tờ phải nộp:"),
      el("table", {}, el("tbody", {}, p.documents.map((doc) => el("tr", {},
        el("td", {}, el("input", { type: "checkbox", id: `doc-${doc.id}`, "data-doc": doc.id, checked: true })),
        el("td", {}, el("label", { for: `doc-${doc.id}` }, doc.name)),
        el("td", {}, FORMS[doc.form] || doc.form),
        el("td", {}, el("input", { type: "number", min: 1, max: 100, value: doc.count || 1, id: `count-${doc.id}`, "aria-label": "Số lượng" })),
        el("td", {}, scanInput(doc)))))),
    ] : []));
  });
  const method = el("select", { id: "return_method" },
    el("option", { value: "counter" }, METHODS.counter), el("option", { value: "post" }, METHODS.post));
  const postal = el("div", { id: "postal", class: "hidden" },
    el("label", { for: "postal_line" }, "Địa chỉ nhận kết quả"), el("input", { id: "postal_line" }),
    el("label", { for: "postal_commune" }, "Xã/phường nhận"),
    el("select", { id: "postal_commune" }, Object.values(catalog.offices)
      .filter((o) => o.level === "commune").map((o) => el("option", { value: o.id, selected: o.id === me.office_id }, o.name))));
  method.addEventListener("change", () => postal.classList.toggle("hidden", method.value !== "post"));
  const form = el("form", { id: "receive-form" },
    el("label", { for: "procedure" }, "Thủ tục hành chính"), select, documents,
    el("div", { class: "row" },
      el("div", {}, el("label", { for: "applicant_name" }, "Họ và tên người nộp"), el("input", { id: "applicant_name", required: true, maxlength: 200 })),
      el("div", {}, el("label", { for: "applicant_phone" }, "Số điện thoại"), el("input", { id: "applicant_phone", required: true, inputmode: "tel", maxlength: 32 }))),
    el("div", { class: "row" },
      el("div", {}, el("label", { for: "applicant_id" }, "Số CCCD (nếu có)"), el("input", { id: "applicant_id", inputmode: "numeric", maxlength: 12 })),
      el("div", {}, el("label", { for: "applicant_address" }, "Địa chỉ"), el("input", { id: "applicant_address", maxlength: 300 }))),
    el("label", { for: "channel" }, "Hình thức nộp hồ sơ"), channel,
    fee,
    el("label", { for: "return_method" }, "Nhận kết quả"), method, postal,
    el("p", {}, el("button", { type: "submit", id: "receive-button" }, "Tiếp nhận và in giấy hẹn")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (id) => document.getElementById(id).value.trim();
    const body = {
      procedure_code: select.value,
      channel: value("channel"),
      applicant: { name: value("applicant_name"), phone: value("applicant_phone") },
      documents: [...documents.querySelectorAll("input[data-doc]")].filter((c) => c.checked)
        .map((c) => ({ id: c.dataset.doc, count: Number(document.getElementById(`count-${c.dataset.doc}`).value) || 1 })),
      return_method: method.value,
    };
    if (feeOf()) body.fee_method = feeMethod.value;
    if (value("applicant_id")) body.applicant.id_number = value("applicant_id");
    if (value("applicant_address")) body.applicant.address = value("applicant_address");
    if (method.value === "post") {
      body.postal_address = { line: value("postal_line"), commune_id: value("postal_commune"), receiver_name: body.applicant.name };
    }
    try {
      const received = await api("/api/dossiers", { method: "POST", body });
      const said = received.status === "awaiting_fee" ? "Đã ghi nhận hồ sơ" : "Đã tiếp nhận hồ sơ";
      const scanned = await scanAtReceipt(received.code, documents);
      notice = `${said} ${received.code}.${feeSaid(received.receipt && received.receipt.fee)}${scanned}`;
      location.hash = `#/receipt/${encodeURIComponent(received.code)}`;
    } catch (error) {
      if (error.code === "missing_documents") say(`Hồ sơ chưa đủ giấy tờ: ${error.message}`);
      else say(explain(error));
    }
  });
  show(el("section", { class: "card" }, el("h2", {}, "Tiếp nhận hồ sơ"), form));
}

// the fee as the receipt and the officer read it: "15.000 ₫ — biên lai số BL-…" or awaited online
function feeText(fee) {
  if (!fee || !fee.amount_vnd) return "không phải nộp";
  if (fee.receipt_number) return `${vnd(fee.amount_vnd)} — Biên lai số ${fee.receipt_number}`;
  if (fee.method === "online") return `${vnd(fee.amount_vnd)} — chờ nộp trực tuyến`;
  return vnd(fee.amount_vnd);
}

function feeSaid(fee) {
  if (!fee || !fee.amount_vnd) return "";
  if (fee.receipt_number) return ` Đã thu phí, lệ phí ${vnd(fee.amount_vnd)} — biên lai số ${fee.receipt_number}.`;
  return ` Phí, lệ phí ${vnd(fee.amount_vnd)}: Chờ nộp trực tuyến — hồ sơ được tiếp nhận khi công dân nộp xong.`;
}

// ---- printable forms --------------------------------------------------------------------

function formHeading(officeId, number, at = null) {
  return [
    el("p", { class: "form-no" }, `Mẫu số ${number}`),
    el("div", { class: "heading" },
      el("div", {}, el("div", {}, committeeName(officeId)),
        el("strong", {}, "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"), el("div", { class: "rule" }, "")),
      el("div", {}, el("strong", {}, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        el("div", { class: "motto" }, "Độc lập - Tự do - Hạnh phúc"), el("div", { class: "rule" }, ""),
        at ? el("div", { class: "place-date" }, `${placeName(officeId)}, ${longDay(at)}`) : null)),
  ];
}

function printBar(back = null, label = "Về hồ sơ") {
  const href = back || "#/";
  return el("p", { class: "no-print print-bar" },
    el("button", { type: "button", id: "print", onclick: () => window.print() }, "In"),
    el("a", { class: "button secondary", id: "back", href }, label));
}

function dossierLink(code) { return `#/dossier/${encodeURIComponent(code)}`; }

function signature(title, hint, name = null) {
  return el("div", {}, el("strong", {}, title), el("div", { class: "hint" }, hint),
    el("p", { class: "signer" }, name || ""));
}

// The receipt holds the applicant's name and phone; routing keeps no personal data.
async function applicantOf(code) {
  try {
    return await api(`/api/dossiers/${encodeURIComponent(code)}/receipt`);
  } catch (error) {
    return null;
  }
}

function trackLine(code) {
  return el("p", { "data-track": `${location.origin}/track?code=${code}` }, "Tra cứu tình trạng hồ sơ tại ",
    el("span", { class: "url" }, `${location.origin}/track`),
    ` bằng mã hồ sơ ${code} và 4 số cuối số điện thoại.`);
}

// A fee awaited online at intake and paid since: its receipt number is the payment's
async function paidFee(code, fee) {
  if (!fee || !fee.amount_vnd || fee.receipt_number) return fee;
  try {
    const d = await api(`/api/dossiers/${encodeURIComponent(code)}`);
    const paid = (d.payments || []).find((p) => p.kind === "fee" && p.receipt_number && p.status !== "cancelled");
    return paid ? { ...fee, method: paid.method, receipt_number: paid.receipt_number } : fee;
  } catch (error) {
    return fee;
  }
}

async function receiptView(code) {
  const r = await api(`/api/dossiers/${encodeURIComponent(code)}/receipt`);
  const procedure = catalog.procedures[r.procedure_code];
  const docName = (id) => (procedure && (procedure.documents.find((d) => d.id === id) || {}).name) || id;
  const refused = r.status === "not_accepted";
  const fee = await paidFee(code, r.fee || (r.fee_vnd ? { amount_vnd: r.fee_vnd } : null));
  show(printBar(dossierLink(code)), el("section", { class: "form-doc", id: "receipt", "data-form": refused ? "03" : "01" },
    formHeading(r.office_id, refused ? "03" : "01", r.received_at),
    el("h3", {}, refused ? "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" : "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
    el("p", { class: "center" }, "Mã hồ sơ: ", el("strong", { id: "receipt-code" }, r.code)),
    el("p", {}, `Bộ phận tiếp nhận và trả kết quả ${officeName(r.office_id)} tiếp nhận hồ sơ của: `, el("strong", {}, r.applicant.name)),
    el("p", {}, `Số điện thoại: ${r.applicant.phone}`, r.applicant.id_number ? ` — Số CCCD: ${r.applicant.id_number}` : ""),
    r.applicant.address ? el("p", {}, `Địa chỉ: ${r.applicant.address}`) : null,
    el("p", {}, `Nội dung yêu cầu giải quyết: ${r.procedure_name}`),
    el("p", {}, refused ? "Hồ sơ gồm:" : "Thành phần hồ sơ nộp gồm:"),
    el("table", {}, el("thead", {}, el("tr", {}, ["TT", "Tên giấy tờ", "Hình thức", "Số lượng"].map((h) => el("th", {}, h)))),
      el("tbody", {}, r.documents.map((doc, i) => el("tr", {},
        el("td", { class: "num" }, i + 1), el("td", {}, docName(doc.id)), el("td", {}, FORMS[doc.form] || doc.form), el("td", { class: "num" }, doc.count))))),
    refused ? [
      el("p", {}, `Thời gian nộp hồ sơ: ${longWhen(r.received_at)}.`),
      el("p", {}, `Qua xem xét, Bộ phận tiếp nhận và trả kết quả ${officeName(r.office_id)} từ chối tiếp nhận, giải quyết hồ sơ này vì lý do sau:`),
      el("p", { id: "refusal-reason", class: "reason" }, r.not_accepted_reason),
      el("p", {}, "Xin thông báo cho Ông/Bà được biết và thực hiện./."),
    ] : [
      el("p", {}, `Thời gian tiếp nhận: ${longWhen(r.received_at)}`),
      el("p", {}, "Thời gian trả kết quả: ", el("strong", { id: "receipt-appointment" }, longWhen(r.appointment_at))),
      el("p", { id: "receipt-fee" }, `Phí, lệ phí: ${feeText(fee)}`),
      el("p", {}, `Nhận kết quả: ${METHODS[r.return_method] || r.return_method}`),
      trackLine(r.code),
    ],
    el("div", { class: "signatures" },
      refused ? el("div", {}) : signature("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", r.applicant.name),
      signature("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", r.received_by))));
}

// Form 02: what the office asked the citizen to bring (the last supplement request).
async function supplementView(code) {
  const [d, r] = await Promise.all([api(`/api/dossiers/${encodeURIComponent(code)}`), applicantOf(code)]);
  const s = lastOf(d.history, (h) => h.type === "supplement_requested");
  if (!s) { show(printBar(dossierLink(code))); say("Hồ sơ này chưa có yêu cầu bổ sung."); return; }
  const office = s.office_id || d.office_id;
  show(printBar(dossierLink(code)), el("section", { class: "form-doc", id: "supplement", "data-form": "02" },
    formHeading(office, "02", s.at),
    el("h3", {}, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"),
    el("p", { class: "center" }, "Mã hồ sơ: ", el("strong", { id: "form-code" }, d.code)),
    el("p", {}, "Hồ sơ của: ", el("strong", {}, r ? r.applicant.name : "……………………………………")),
    el("p", {}, `Nội dung yêu cầu giải quyết: ${d.procedure_name}`),
    el("p", {}, `Ngày tiếp nhận: ${longWhen(d.received_at)}, tại Bộ phận tiếp nhận và trả kết quả ${officeName(d.receiving_office_id)}.`),
    el("p", {}, `Sau khi nghiên cứu, xem xét thành phần hồ sơ, ${agencyName(office)} đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:`),
    el("ol", { id: "missing-documents" }, (s.missing_documents || []).map((m) => el("li", {}, m))),
    el("p", {}, "Lý do: ", el("span", { id: "form-reason" }, s.reason || "")),
    el("p", {}, "Ông/Bà vui lòng mang giấy tờ bổ sung đến nộp tại ",
      el("strong", {}, `Bộ phận tiếp nhận và trả kết quả ${officeName(d.receiving_office_id)}`), "."),
    el("p", {}, `Thời gian giải quyết hồ sơ được tạm dừng kể từ ${longWhen(s.at)} cho đến khi Ông/Bà nộp đủ giấy tờ bổ sung; ngày hẹn trả kết quả sẽ được tính lại từ ngày nộp bổ sung.`),
    trackLine(d.code),
    el("p", {}, "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ với người hướng dẫn dưới đây để được hướng dẫn."),
    el("div", { class: "signatures" },
      el("div", {}),
      signature("NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", s.by))));
}

// Form 04: the office apologises for the delay and gives a new date (the last apology).
async function apologyView(code) {
  const [d, r] = await Promise.all([api(`/api/dossiers/${encodeURIComponent(code)}`), applicantOf(code)]);
  const a = lastOf(d.apologies);
  if (!a) { show(printBar(dossierLink(code))); say("Hồ sơ này chưa có phiếu xin lỗi và hẹn lại ngày trả."); return; }
  const office = a.office_id || d.office_id;
  const name = agencyName(office);
  show(printBar(dossierLink(code)), el("section", { class: "form-doc", id: "apology", "data-form": "04" },
    formHeading(office, "04", a.at),
    el("h3", {}, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"),
    el("p", { class: "center" }, "Mã hồ sơ: ", el("strong", { id: "form-code" }, d.code)),
    el("p", {}, `Ngày ${longDay(d.received_at).slice(5)}, Bộ phận tiếp nhận và trả kết quả ${officeName(d.receiving_office_id)} tiếp nhận hồ sơ của Ông/Bà `,
      el("strong", {}, r ? r.applicant.name : "……………………………………"), "."),
    el("p", {}, `Nội dung yêu cầu giải quyết: ${d.procedure_name}`),
    el("p", {}, "Thời gian hẹn trả kết quả giải quyết hồ sơ: ",
      el("span", { id: "original-appointment" }, longWhen(a.original_appointment_at)), "."),
    el("p", {}, `Tuy nhiên đến nay, ${name} chưa trả kết quả giải quyết hồ sơ của Ông/Bà.`),
    el("p", {}, "Lý do: ", el("span", { id: "form-reason" }, a.reason || "")),
    el("p", {}, `Sự chậm trễ này đã gây phiền hà cho Ông/Bà. ${name} xin lỗi Ông/Bà và hẹn lại thời gian trả kết quả vào: `,
      el("strong", { id: "new-appointment" }, longWhen(a.new_appointment_at)), "."),
    el("p", {}, "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./."),
    el("div", { class: "signatures" },
      signature("NGƯỜI LẬP PHIẾU", "(Ký và ghi rõ họ tên)", a.by),
      signature("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Ký, ghi rõ họ tên và đóng dấu)"))));
}

// Form 05: the notice that the office stopped handling the dossier.
async function stopView(code) {
  const [d, r] = await Promise.all([api(`/api/dossiers/${encodeURIComponent(code)}`), applicantOf(code)]);
  const s = lastOf(d.history, (h) => h.type === "dossier_stopped");
  if (d.state !== "stopped" || !s) { show(printBar(dossierLink(code))); say("Hồ sơ này không bị dừng giải quyết."); return; }
  const office = s.office_id || d.office_id;
  const name = agencyName(office);
  const applicant = r ? r.applicant.name : "……………………………………";
  show(printBar(dossierLink(code)), el("section", { class: "form-doc", id: "stop-notice", "data-form": "05" },
    formHeading(office, "05", s.at),
    el("h3", {}, "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"),
    el("p", { class: "center" }, "Mã hồ sơ: ", el("strong", { id: "form-code" }, d.code)),
    el("p", {}, "Kính gửi: Ông/Bà ", el("strong", {}, applicant), "."),
    el("p", {}, `Ngày ${longDay(d.received_at).slice(5)}, Bộ phận tiếp nhận và trả kết quả ${officeName(d.receiving_office_id)} tiếp nhận hồ sơ của Ông/Bà; nội dung yêu cầu giải quyết: ${d.procedure_name}.`),
    el("p", {}, `${name} thông báo dừng giải quyết hồ sơ nêu trên kể từ ${longWhen(s.at)}.`),
    el("p", {}, "Lý do: ", el("span", { id: "form-reason" }, s.reason || "")),
    el("p", {}, "Xin thông báo để Ông/Bà được biết./."),
    el("div", { class: "signatures" },
      el("div", { class: "recipients" }, el("em", {}, el("strong", {}, "Nơi nhận:")),
        el("div", {}, `- Ông/Bà ${applicant};`), el("div", {}, `- Bộ phận tiếp nhận và trả kết quả ${officeName(d.receiving_office_id)};`),
        el("div", {}, "- Lưu: VT.")),
      signature("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Ký, ghi rõ họ tên và đóng dấu)", s.by))));
}

function person(name, bySystem) {
  if (bySystem) return el("span", { class: "system" }, SYSTEM_NAME);
  return name || "";
}

// Form 06: each hand-over of the dossier, signed by who gave it and who received it.
async function controlView(code) {
  const d = await api(`/api/dossiers/${encodeURIComponent(code)}`);
  const rows = d.control_sheet.map((h, i) => {
    const pending = !h.received_at && !h.received_by && !h.received_by_system;
    return el("tr", { class: pending ? "handover pending" : "handover" },
      el("td", { class: "office" }, `${i + 1}. Giao: ${officeName(h.from_office_id)}`, el("br"), `Nhận: ${officeName(h.to_office_id)}`),
      el("td", { class: "time" },
        el("div", {}, `Giao: ${when(h.at)}`),
        el("div", {}, "Nhận: ", pending ? el("em", { class: "pending" }, "Chờ tiếp nhận") : when(h.received_at))),
      el("td", { class: "giver" }, person(h.by, h.by_system)),
      el("td", { class: "receiver" }, pending ? "" : person(h.received_by, h.received_by_system)),
      el("td", { class: "result" }, h.timing ? TIMING[h.timing] || h.timing : "",
        h.step_due_at ? el("div", { class: "hint" }, `(hạn ${when(h.step_due_at)})`) : null),
      el("td", { class: "note" }, h.to_office_id === "post" || h.from_office_id === "post" ? "Qua dịch vụ bưu chính công ích" : ""));
  });
  const deciding = d.route.length ? d.route[d.route.length - 1].office_id : d.office_id;
  // offices with a step of their own before the deciding one (a counter that only receives is none)
  const helping = d.route.slice(0, -1).filter((s) => s.duration_amount !== 0 && s.office_id !== deciding)
    .map((s) => officeName(s.office_id));
  show(printBar(dossierLink(code)), el("section", { class: "form-doc", id: "control-sheet", "data-form": "06" },
    formHeading(d.receiving_office_id, "06"),
    el("h3", {}, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
    el("p", { class: "center" }, "Mã hồ sơ: ", el("strong", { id: "form-code" }, d.code)),
    el("p", { class: "center hint" }, "(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả)"),
    el("p", {}, `Thủ tục: ${d.procedure_name}`),
    el("p", {}, `Cơ quan giải quyết hồ sơ: ${officeName(deciding)}`),
    helping.length ? el("p", {}, `Cơ quan phối hợp giải quyết hồ sơ: ${[...new Set(helping)].join(", ")}`) : null,
    el("p", {}, `Thời gian tiếp nhận hồ sơ: ${longWhen(d.received_at)}`),
    el("p", {}, `Thời gian hẹn trả kết quả: ${longWhen(d.appointment_at)}`),
    d.legal_due_at && d.legal_due_at !== d.appointment_at
      ? el("p", {}, `Hạn giải quyết theo quy định: ${longWhen(d.legal_due_at)}`) : null,
    el("table", { class: "control" },
      el("thead", {}, el("tr", {},
        ["Tên cơ quan", "Thời gian giao, nhận hồ sơ", "Người giao", "Người nhận"].map((h) => el("th", {}, h)),
        el("th", {}, "Kết quả giải quyết hồ sơ", el("div", { class: "hint" }, "(Trước hạn/ Đúng hạn/ Quá hạn)")),
        el("th", {}, "Ghi chú"))),
      el("tbody", {}, rows))));
}

// Form 07: the period to print the tracking book for.
function bookFormView() {
  const first = `${today().slice(0, 8)}01`;
  const from = el("input", { id: "book-from", type: "date", required: true, value: first, max: today() });
  const to = el("input", { id: "book-to", type: "date", required: true, value: today() });
  const form = el("form", { id: "book-form" },
    el("div", { class: "row" },
      el("div", {}, el("label", { for: "book-from" }, "Từ ngày"), from),
      el("div", {}, el("label", { for: "book-to" }, "Đến ngày"), to)),
    el("p", {}, el("button", { type: "submit", id: "book-show" }, "Xem và in sổ")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!from.value || !to.value || from.value > to.value) {
      say("Vui lòng chọn khoảng thời gian hợp lệ (từ ngày không sau đến ngày).");
      return;
    }
    location.hash = `#/book/${encodeURIComponent(me.office_id)}/${from.value}/${to.value}`;
  });
  show(el("section", { class: "card", id: "book-period" },
    el("h2", {}, `Sổ theo dõi hồ sơ (mẫu 07) — ${me.office_name}`), form));
}

function bookRow(e, i) {
  const refused = e.status === "not_accepted"; // no appointment, nothing to return
  return el("tr", { "data-code": e.code, class: `book-${e.status}` },
    el("td", { class: "num" }, i + 1),
    el("td", { class: "code" }, e.code),
    el("td", {}, e.procedure_name),
    el("td", {}, e.applicant_name || ""),
    el("td", {}, when(e.received_at)),
    el("td", {}, refused ? "" : when(e.appointment_at)),
    el("td", {}, e.status_label || (refused ? "Không tiếp nhận" : "Đã tiếp nhận")),
    el("td", {}, when(e.finished_at),
      e.timing && !ENDED_WITHOUT_RESULT.includes(e.outcome || e.state)
        ? el("div", { class: `timing timing-${e.timing}` }, TIMING[e.timing] || e.timing) : null),
    el("td", {}, when(e.returned_at)),
    el("td", {}, refused ? "" : METHODS_SHORT[e.return_method] || e.return_method || ""));
}

// Form 07 for an office and period: every page of the book, then one table to print.
async function bookView(office, from, to) {
  const body = el("tbody", {});
  const status = el("p", { class: "no-print muted", id: "book-status" }, "Đang tải sổ theo dõi…");
  const total = el("p", { id: "book-total" });
  const section = el("section", { class: "form-doc landscape", id: "book", "data-form": "07", "data-loaded": "false" },
    formHeading(office, "07"),
    el("h3", {}, "SỔ THEO DÕI HỒ SƠ"),
    el("p", { class: "center" }, `Từ ngày ${dayText(from)} đến ngày ${dayText(to)}`),
    el("table", { class: "book" },
      el("thead", {},
        el("tr", {}, ["STT", "Mã hồ sơ", "Tên thủ tục", "Người nộp", "Ngày tiếp nhận", "Hẹn trả",
          "Tình trạng", "Ngày có kết quả (trước/đúng/quá hạn)", "Ngày trả", "Hình thức trả"].map((h) => el("th", {}, h)))),
      body),
    total,
    el("div", { class: "signatures" },
      el("div", {}),
      signature("NGƯỜI LẬP SỔ", "(Ký và ghi rõ họ tên)", me.office_id === office ? me.name : null)));
  show(printBar("#/book", "Chọn kỳ khác"), status, section);
  const path = `/api/offices/${encodeURIComponent(office)}/book?from=${from}&to=${to}&limit=500`;
  let after = null;
  let count = 0;
  do {
    const page = await api(after ? `${path}&after=${encodeURIComponent(after)}` : path);
    page.entries.forEach((e) => body.append(bookRow(e, count++)));
    status.textContent = `Đã tải ${count} hồ sơ…`;
    after = page.next;
  } while (after);
  if (count === 0) body.append(el("tr", {}, el("td", { colspan: 10, class: "center muted" }, "Không có hồ sơ nào trong kỳ này.")));
  total.textContent = `Tổng số: ${count} hồ sơ.`;
  status.textContent = "";
  section.setAttribute("data-loaded", "true");
}

// ---- the Decision 766 scorecard (leaders) ------------------------------------------------

const SCORE_REASONS = {
  no_data_yet: "chưa có dữ liệu", nothing_in_period: "không có hồ sơ trong kỳ",
  no_evaluation_in_period: "không có đánh giá trong kỳ",
};
const SCORE_INPUTS = {
  resolved_early: "giải quyết trước hạn", resolved_on_time: "giải quyết đúng hạn",
  resolved_late: "giải quyết quá hạn", resolved_total: "đã giải quyết",
  steps_total: "bước xử lý của cơ quan", steps_on_time_rate: "tỷ lệ bước xử lý đúng hạn (tham khảo)",
  received_counter: "tiếp nhận trực tiếp", received_online: "tiếp nhận trực tuyến",
  received_post: "tiếp nhận qua bưu chính", received_in_period: "tiếp nhận trong kỳ",
  fees_paid: "hồ sơ đã nộp phí", fees_paid_online: "nộp phí trực tuyến",
  evaluations: "lượt đánh giá", satisfied: "đánh giá hài lòng",
};
const LEVEL_NAMES = { province: "Cấp tỉnh", district: "Cấp huyện", commune: "Cấp xã" };

function quarterOf(ymd) { // the calendar quarter of a day, up to that day: [from, to]
  const [y, m] = ymd.split("-").map(Number);
  const first = 3 * Math.floor((m - 1) / 3) + 1;
  return [`${y}-${String(first).padStart(2, "0")}-01`, ymd];
}

function decimal(x, places) { // 0.75 -> "0,75": Vietnamese decimal comma
  return Number(x).toFixed(places).replace(/\.?0+$/, "").replace(".", ",") || "0";
}

function percent(rate) { return `${decimal(rate * 100, 2)} %`; }

function inputsText(i) {
  return Object.entries(i.inputs).map(([k, v]) =>
    `${SCORE_INPUTS[k] || k}: ${v === null ? "—" : (k.endsWith("_rate") ? percent(v) : v)}`).join("; ");
}

async function authorised(path) { // a file of the API (CSV, SVG) as a blob, with the token
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` },
  });
  if (!response.ok) throw new ApiFailure(response.status, await response.json().catch(() => null));
  return response.blob();
}

function scoreCell(i) {
  const title = i.reason === "no_data_yet"
    ? `${i.name}: hệ thống chưa có dữ liệu cho nhóm chỉ số này; không tính điểm.`
    : `${i.name} = ${i.formula}. ${inputsText(i)}`;
  if (i.points === null) {
    return el("td", { class: `score ${i.reason}`, "data-group": i.group, title },
      el("span", { class: "no-score" }, SCORE_REASONS[i.reason] || i.reason));
  }
  return el("td", { class: "score scored", "data-group": i.group, title },
    el("strong", {}, decimal(i.points, 2)), el("div", { class: "small muted" }, percent(i.rate)));
}

function scorecardForm(office, from, to) {
  const fromInput = el("input", { id: "score-from", type: "date", required: true, value: from });
  const toInput = el("input", { id: "score-to", type: "date", required: true, value: to });
  const form = el("form", { id: "score-form", class: "row" },
    el("div", {}, el("label", { for: "score-from" }, "Từ ngày"), fromInput),
    el("div", {}, el("label", { for: "score-to" }, "Đến ngày"), toInput),
    el("div", { class: "form-end" }, el("button", { type: "submit", id: "score-show" }, "Xem bảng điểm")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!fromInput.value || !toInput.value || fromInput.value > toInput.value) {
      say("Vui lòng chọn khoảng thời gian hợp lệ (từ ngày không sau đến ngày).");
      return;
    }
    location.hash = `#/scorecard/${encodeURIComponent(office)}/${fromInput.value}/${toInput.value}`;
  });
  return form;
}

// The scorecard of an office and of the offices directly below it, side by side: a table of
// the groups' points (formula and inputs in each cell's tooltip, and in the legend), the chart
// the gateway draws (SVG), and the CSV to download.
async function scorecardView(office, from, to) {
  const query = `office=${encodeURIComponent(office)}&from=${from}&to=${to}`;
  const section = el("section", { class: "card", id: "scorecard", "data-loaded": "false" },
    el("h2", {}, `Bảng điểm Quyết định 766 — ${officeName(office)}`),
    scorecardForm(office, from, to),
    el("p", { class: "muted", id: "score-status" }, "Đang tính bảng điểm…"));
  show(section);
  const card = await api(`/api/scorecard?${query}`);
  const groups = card.offices[0].indicators;
  const head = el("tr", {}, el("th", {}, "Cơ quan"),
    groups.map((g) => el("th", { "data-group": g.group, title: g.formula || SCORE_REASONS.no_data_yet },
      g.group_name, el("div", { class: "small" }, `tối đa ${g.points_max}`))),
    el("th", { title: "Tổng điểm trên tối đa của các chỉ số có điểm" }, "Tổng điểm", el("div", { class: "small" }, "trên số điểm tối đa đã tính")));
  const rows = card.offices.map((o, n) => el("tr", { "data-office": o.office_id, class: n === 0 ? "own" : "below" },
    el("td", {},
      n === 0 ? el("strong", {}, o.name)
        : el("a", { href: `#/scorecard/${encodeURIComponent(o.office_id)}/${from}/${to}`, title: "Xem các cơ quan trực thuộc" }, o.name),
      el("div", { class: "small muted" }, LEVEL_NAMES[o.level] || o.level)),
    o.indicators.map(scoreCell),
    o.totals.points_max === 0
      ? el("td", { class: "score total", title: "Không chỉ số nào có điểm trong kỳ" }, el("span", { class: "no-score" }, "chưa có điểm"))
      : el("td", { class: "score total" },
        el("strong", { class: "points" }, decimal(o.totals.points, 2)),
        el("div", { class: "small muted" }, `/ ${o.totals.points_max} điểm`))));
  const legend = el("dl", { class: "score-legend", id: "score-legend" },
    groups.flatMap((g) => [
      el("dt", {}, `${g.group_name} (tối đa ${g.points_max} điểm)`),
      el("dd", {}, g.reason === "no_data_yet"
        ? el("span", { class: "no-score" }, `${SCORE_REASONS.no_data_yet}: không tính điểm`)
        : `${g.name} = ${g.formula}; điểm = ${g.points_max} × tỷ lệ.`),
    ]));
  const chart = el("img", { id: "score-chart", alt: "Biểu đồ điểm của các cơ quan theo nhóm chỉ số", width: 900, height: 440 });
  const download = el("button", { type: "button", class: "secondary", id: "score-csv" }, "Tải bảng điểm (CSV)");
  download.addEventListener("click", async () => {
    try {
      const link = el("a", { href: URL.createObjectURL(await authorised(`/api/scorecard.csv?${query}`)),
        download: `bang-diem-766-${office}-${from}-${to}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) { say(explain(error)); }
  });
  section.replaceChildren(section.firstChild, scorecardForm(office, from, to),
    el("p", { class: "muted" }, `Từ ngày ${dayText(from)} đến ngày ${dayText(to)}. `,
      "Mỗi ô: điểm và tỷ lệ; rê chuột để xem công thức và số liệu. ",
      "Các nhóm chưa có dữ liệu không tính điểm và không được ước lượng."),
    el("div", { class: "table-wide" }, el("table", { class: "scorecard-table", id: "score-table" }, el("thead", {}, head), el("tbody", {}, rows))),
    el("p", { class: "no-print" }, download,
      office !== me.office_id
        ? el("a", { class: "button secondary", href: `#/scorecard/${encodeURIComponent(me.office_id)}/${from}/${to}` }, "Về cơ quan của tôi") : null),
    el("h3", {}, "Biểu đồ so sánh"), chart,
    el("h3", {}, "Cách tính điểm"), legend,
    el("p", { class: "small muted" }, "Theo cách hiểu của hệ thống về Quyết định 766/QĐ-TTg (2022), cần đối chiếu với phụ lục của Quyết định."));
  try {
    chart.src = URL.createObjectURL(await authorised(`/api/scorecard.svg?${query}`));
  } catch (error) { say(explain(error)); }
  section.setAttribute("data-loaded", "true");
}

// ---- start ------------------------------------------------------------------------------

document.getElementById("sign-in-form").addEventListener("submit", signIn);
document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
start();
