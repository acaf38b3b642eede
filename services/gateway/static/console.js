// Officer console: sign in with a token, worklist with due colouring, dossier page with its
// timeline and exactly the actions its state allows, the receive form, forms 01 and 06.
// No framework; the DOM is built with textContent only (no HTML from data).
"use strict";

const TOKEN_KEY = "lienthong.token";
const ROLES = { receiver: "Cán bộ tiếp nhận", handler: "Cán bộ xử lý", leader: "Lãnh đạo" };
const LEVELS = { commune: "Cấp xã", district: "Cấp huyện", province: "Cấp tỉnh", any: "" };
const DUE = {
  on_time: "Trong hạn", due_soon: "Sắp đến hạn", overdue: "Quá hạn",
  early: "Xong trước hạn", late: "Xong quá hạn", finished: "Đã kết thúc",
};
const ACTIONS = {
  accept: "Nhận hồ sơ để xử lý",
  request_supplement: "Yêu cầu bổ sung hồ sơ",
  supplement: "Công dân đã bổ sung hồ sơ",
  resolve: "Hoàn thành giải quyết",
  refuse: "Từ chối giải quyết",
  extend: "Gia hạn giải quyết",
  stop: "Dừng giải quyết",
  withdraw: "Công dân rút hồ sơ",
  return_result: "Gửi kết quả qua bưu chính",
  hand_over: "Trả kết quả cho công dân",
};
// what each action asks the officer for (the API's fields)
const ACTION_FIELDS = {
  request_supplement: ["missing_documents", "reason"],
  refuse: ["reason"],
  extend: ["new_due_at", "reason"],
  stop: ["reason"],
  withdraw: ["reason"],
};
const FIELD_LABELS = {
  missing_documents: "Giấy tờ cần bổ sung (mỗi dòng một loại)",
  reason: "Lý do",
  new_due_at: "Hạn giải quyết mới",
  note: "Ghi chú",
};
const EVENTS = {
  dossier_received: "Tiếp nhận hồ sơ",
  dossier_forwarded: "Chuyển hồ sơ",
  dossier_arrived: "Hồ sơ đến cơ quan giải quyết",
  dossier_accepted: "Nhận hồ sơ để xử lý",
  supplement_requested: "Yêu cầu bổ sung",
  dossier_supplemented: "Đã bổ sung hồ sơ",
  dossier_resolved: "Hoàn thành giải quyết",
  dossier_refused: "Từ chối giải quyết",
  dossier_stopped: "Dừng giải quyết",
  dossier_withdrawn: "Rút hồ sơ",
  dossier_extended: "Gia hạn",
  result_returned: "Kết quả về Bộ phận Một cửa",
  result_sent_by_post: "Gửi kết quả qua bưu chính",
  result_delivered_by_post: "Bưu chính đã phát kết quả",
  result_returned_from_post: "Bưu chính hoàn kết quả về",
  result_handed_over: "Trả kết quả cho công dân",
  dossier_due_soon: "Cảnh báo sắp đến hạn",
  dossier_overdue: "Cảnh báo quá hạn",
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
const KINDS = { workflow: "Xử lý", sms: "SMS", postal: "Bưu chính" };
const CHANNELS = { counter: "Trực tiếp", online: "Trực tuyến", post: "Qua bưu chính" };
const METHODS = { counter: "Tại Bộ phận Một cửa", post: "Qua dịch vụ bưu chính" };
const FORMS = { original: "Bản chính", certified_copy: "Bản sao chứng thực", copy: "Bản sao" };

let me = null;
const catalog = { offices: null, procedures: null };

// ---- helpers -----------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("vi-VN", {
    timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit",
    day: "2-digit", month: "2-digit", year: "numeric",
  });
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

function dueBadge(status) {
  return el("span", { class: `due due-${status}` }, DUE[status] || status);
}

function show(...nodes) {
  document.getElementById("view").replaceChildren(...nodes);
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
  document.getElementById("who").textContent =
    `${me.name} — ${ROLES[me.role] || me.role}, ${me.office_name}`;
  await route();
}

// ---- views ------------------------------------------------------------------------------

async function route() {
  if (!me) return;
  const [, view, code] = (location.hash || "#/").split("/");
  say("");
  try {
    if (view === "dossier" && code) await dossierView(decodeURIComponent(code));
    else if (view === "receive") receiveView();
    else if (view === "receipt" && code) await receiptView(decodeURIComponent(code));
    else if (view === "control" && code) await controlView(decodeURIComponent(code));
    else await worklistView();
  } catch (error) {
    if (error.status === 401) { signOut(); say(explain(error)); return; }
    show();
    say(explain(error));
  }
}

function worklistRow(d) {
  return el("tr", { class: `due-row-${d.due_status}`, "data-code": d.code },
    el("td", {}, el("a", { href: `#/dossier/${encodeURIComponent(d.code)}` }, d.code)),
    el("td", {}, d.procedure_name),
    el("td", {}, d.status_label),
    el("td", {}, when(d.current_due_at)),
    el("td", {}, when(d.appointment_at)),
    el("td", {}, dueBadge(d.due_status)));
}

// The worklist a page at a time, soonest due first; "Xem thêm" appends the next page.
async function worklistView() {
  const path = `/api/offices/${encodeURIComponent(me.office_id)}/worklist`;
  const data = await api(path);
  const title = el("h2", {});
  const body = el("tbody", {}, data.dossiers.map(worklistRow));
  const more = el("button", { type: "button", class: "secondary", id: "worklist-more" }, "Xem thêm");
  let next = data.next;
  const count = () => {
    title.textContent = `Hồ sơ tại ${me.office_name} (${body.children.length}${next ? "+" : ""})`;
    more.classList.toggle("hidden", !next);
  };
  more.onclick = async () => {
    more.disabled = true;
    try {
      const page = await api(`${path}?after=${encodeURIComponent(next)}`);
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
  show(el("section", { class: "card", id: "worklist" }, title,
    data.dossiers.length === 0 ? el("p", { class: "muted" }, "Không có hồ sơ nào.") :
      el("table", {},
        el("thead", {}, el("tr", {}, ["Mã hồ sơ", "Thủ tục", "Trạng thái", "Hạn xử lý",
          "Hẹn trả", "Tiến độ"].map((h) => el("th", {}, h)))),
        body),
    el("p", {}, more)));
}

function timelineText(entry) {
  if (entry.kind === "sms") {
    return `Tin nhắn ${entry.template_id} đến ${entry.to}: ${SMS[entry.status] || entry.status}`;
  }
  if (entry.kind === "postal") {
    const by = entry.by ? ` (${entry.by})` : "";
    return `Bưu gửi ${entry.tracking_number}: ${POST[entry.status] || entry.status}${by}`;
  }
  let text = EVENTS[entry.type] || entry.type;
  if (entry.office_id) text += ` — ${officeName(entry.office_id)}`;
  if (entry.by) text += ` — ${entry.by}`;
  if (entry.reason) text += `: ${entry.reason}`;
  return text;
}

function actionForm(dossier, action) {
  const fields = ACTION_FIELDS[action] || ["note"];
  const inputs = {};
  const form = el("form", { class: "action-form hidden", id: `form-${action}` });
  for (const field of fields) {
    const id = `${action}-${field}`;
    let input;
    if (field === "missing_documents") input = el("textarea", { id, rows: 3, required: true });
    else if (field === "new_due_at") input = el("input", { id, type: "datetime-local", required: true });
    else input = el("input", { id, required: field === "reason" });
    inputs[field] = input;
    form.append(el("label", { for: id }, FIELD_LABELS[field]), input);
  }
  form.append(el("p", {}, el("button", { type: "submit", id: `confirm-${action}` }, `Xác nhận: ${ACTIONS[action]}`)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say("");
    const body = { action };
    for (const [field, input] of Object.entries(inputs)) {
      const value = input.value.trim();
      if (!value) continue;
      if (field === "missing_documents") body[field] = value.split("\n").map((s) => s.trim()).filter(Boolean);
      else if (field === "new_due_at") body[field] = `${value}:00+07:00`;
      else body[field] = value;
    }
    try {
      await api(`/api/dossiers/${encodeURIComponent(dossier.code)}/actions`, { method: "POST", body });
      await dossierView(dossier.code);
      say(`Đã thực hiện: ${ACTIONS[action]}.`, true);
    } catch (error) {
      say(explain(error));
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
    class: i < d.step_index || ["resolved", "refused", "ready_at_counter", "returning_by_post", "returned"].includes(d.state)
      ? "done" : i === d.step_index ? "current" : "",
  }, `${LEVELS[step.level] || step.level} ${officeName(step.office_id)} — hạn ${when(step.due_at)}`));
  const timeline = d.timeline.map((entry) => el("tr", { class: `timeline-${entry.kind}` },
    el("td", {}, when(entry.at)),
    el("td", {}, el("span", { class: `kind kind-${entry.kind}` }, KINDS[entry.kind] || entry.kind)),
    el("td", {}, timelineText(entry))));
  show(
    el("section", { class: "card", id: "dossier", "data-state": d.state },
      el("h2", {}, `Hồ sơ ${d.code}`),
      el("table", {},
        el("tr", {}, el("th", {}, "Thủ tục"), el("td", {}, d.procedure_name)),
        el("tr", {}, el("th", {}, "Trạng thái"), el("td", { id: "status" }, d.status_label, " ", dueBadge(d.due_status))),
        el("tr", {}, el("th", {}, "Nơi tiếp nhận"), el("td", {}, officeName(d.receiving_office_id), ` (${CHANNELS[d.channel] || d.channel})`)),
        el("tr", {}, el("th", {}, "Đang ở"), el("td", {}, officeName(d.office_id), d.at_office ? "" : " (đang chuyển)")),
        el("tr", {}, el("th", {}, "Hạn xử lý bước này"), el("td", {}, when(d.current_due_at))),
        el("tr", {}, el("th", {}, "Hẹn trả kết quả"), el("td", {}, when(d.appointment_at))),
        el("tr", {}, el("th", {}, "Trả kết quả"), el("td", {}, METHODS[d.return_method] || d.return_method))),
      el("h2", {}, "Các bước"), el("ul", { class: "steps" }, steps),
      el("p", { class: "no-print" },
        el("a", { class: "button secondary", id: "print-receipt", href: `#/receipt/${encodeURIComponent(d.code)}` }, "Giấy tiếp nhận (mẫu 01)"),
        el("a", { class: "button secondary", id: "print-control", href: `#/control/${encodeURIComponent(d.code)}` }, "Phiếu kiểm soát (mẫu 06)"))),
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
  select.addEventListener("change", () => {
    const p = catalog.procedures[select.value];
    documents.replaceChildren(...(p ? [
      el("p", { class: "muted" }, `Lệ phí: ${Number(p.fee_vnd).toLocaleString("vi-VN")} đồng. Giấy tờ phải nộp:`),
      el("table", {}, el("tbody", {}, p.documents.map((doc) => el("tr", {},
        el("td", {}, el("input", { type: "checkbox", id: `doc-${doc.id}`, "data-doc": doc.id, checked: true })),
        el("td", {}, el("label", { for: `doc-${doc.id}` }, doc.name)),
        el("td", {}, FORMS[doc.form] || doc.form),
        el("td", {}, el("input", { type: "number", min: 1, max: 100, value: doc.count || 1, id: `count-${doc.id}`, "aria-label": "Số lượng" })))))),
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
    el("label", { for: "channel" }, "Hình thức nộp"),
    el("select", { id: "channel" }, el("option", { value: "counter" }, CHANNELS.counter), el("option", { value: "online" }, CHANNELS.online)),
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
    if (value("applicant_id")) body.applicant.id_number = value("applicant_id");
    if (value("applicant_address")) body.applicant.address = value("applicant_address");
    if (method.value === "post") {
      body.postal_address = { line: value("postal_line"), commune_id: value("postal_commune"), receiver_name: body.applicant.name };
    }
    try {
      const received = await api("/api/dossiers", { method: "POST", body });
      location.hash = `#/receipt/${encodeURIComponent(received.code)}`;
      say(`Đã tiếp nhận hồ sơ ${received.code}.`, true);
    } catch (error) {
      if (error.code === "missing_documents") say(`Hồ sơ chưa đủ giấy tờ: ${error.message}`);
      else say(explain(error));
    }
  });
  show(el("section", { class: "card" }, el("h2", {}, "Tiếp nhận hồ sơ"), form));
}

function formHeading(officeId, number) {
  return [
    el("p", { class: "form-no" }, `Mẫu số ${number}`),
    el("div", { class: "heading" },
      el("div", {}, el("div", {}, officeName(officeId).toUpperCase()), el("strong", {}, "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")),
      el("div", {}, el("strong", {}, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"), el("div", {}, "Độc lập - Tự do - Hạnh phúc"))),
  ];
}

function printBar(code) {
  return el("p", { class: "no-print" },
    el("button", { type: "button", id: "print", onclick: () => window.print() }, "In"),
    el("a", { class: "button secondary", href: `#/dossier/${encodeURIComponent(code)}` }, "Về hồ sơ"));
}

async function receiptView(code) {
  const r = await api(`/api/dossiers/${encodeURIComponent(code)}/receipt`);
  const procedure = catalog.procedures[r.procedure_code];
  const docName = (id) => (procedure && (procedure.documents.find((d) => d.id === id) || {}).name) || id;
  const refused = r.status === "not_accepted";
  show(printBar(code), el("section", { class: "form-doc", id: "receipt" },
    formHeading(r.office_id, refused ? "03" : "01"),
    el("h3", {}, refused ? "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" : "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
    el("p", {}, "Mã hồ sơ: ", el("strong", { id: "receipt-code" }, r.code)),
    el("p", {}, `Bộ phận tiếp nhận và trả kết quả ${officeName(r.office_id)} tiếp nhận hồ sơ của: ${r.applicant.name}`),
    el("p", {}, `Số điện thoại: ${r.applicant.phone}`, r.applicant.id_number ? ` — Số CCCD: ${r.applicant.id_number}` : ""),
    r.applicant.address ? el("p", {}, `Địa chỉ: ${r.applicant.address}`) : null,
    el("p", {}, `Nội dung yêu cầu giải quyết: ${r.procedure_name}`),
    el("table", {}, el("thead", {}, el("tr", {}, ["TT", "Tên giấy tờ", "Hình thức", "Số lượng"].map((h) => el("th", {}, h)))),
      el("tbody", {}, r.documents.map((doc, i) => el("tr", {},
        el("td", {}, i + 1), el("td", {}, docName(doc.id)), el("td", {}, FORMS[doc.form] || doc.form), el("td", {}, doc.count))))),
    refused ? el("p", {}, `Lý do không tiếp nhận: ${r.not_accepted_reason}`) : [
      el("p", {}, `Thời gian tiếp nhận: ${when(r.received_at)}`),
      el("p", {}, "Thời gian trả kết quả: ", el("strong", { id: "receipt-appointment" }, when(r.appointment_at))),
      el("p", {}, `Lệ phí: ${Number(r.fee_vnd || 0).toLocaleString("vi-VN")} đồng`),
      el("p", {}, `Nhận kết quả: ${METHODS[r.return_method] || r.return_method}`),
      el("p", {}, "Tra cứu tình trạng hồ sơ tại trang /track với mã hồ sơ và 4 số cuối số điện thoại."),
    ],
    el("div", { class: "signatures" },
      el("div", {}, el("strong", {}, "NGƯỜI NỘP HỒ SƠ"), el("div", {}, "(Ký và ghi rõ họ tên)")),
      el("div", {}, el("strong", {}, "NGƯỜI TIẾP NHẬN HỒ SƠ"), el("div", {}, "(Ký và ghi rõ họ tên)"), el("p", {}, r.received_by)))));
}

async function controlView(code) {
  const d = await api(`/api/dossiers/${encodeURIComponent(code)}`);
  const rows = d.control_sheet.map((h) => el("tr", {},
    el("td", {}, `Giao: ${officeName(h.from_office_id)}`, el("br"), `Nhận: ${officeName(h.to_office_id)}`),
    el("td", {}, when(h.at)),
    el("td", {}, h.by ? officeName(h.by) : ""),
    el("td", {}, h.timing ? DUE[h.timing] || h.timing : ""),
    el("td", {}, "")));
  show(printBar(code), el("section", { class: "form-doc", id: "control-sheet" },
    formHeading(d.receiving_office_id, "06"),
    el("h3", {}, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
    el("p", {}, "Mã hồ sơ: ", el("strong", {}, d.code)),
    el("p", {}, `Thủ tục: ${d.procedure_name}`),
    el("p", {}, `Ngày nhận: ${when(d.received_at)} — Ngày hẹn trả: ${when(d.appointment_at)}`),
    el("table", {}, el("thead", {}, el("tr", {}, ["Tên cơ quan", "Thời gian giao, nhận hồ sơ", "Người giao/nhận", "Kết quả giải quyết (trước/đúng/quá hạn)", "Ghi chú"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows))));
}

// ---- start ------------------------------------------------------------------------------

document.getElementById("sign-in-form").addEventListener("submit", signIn);
document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
start();
