// Citizen page: file a dossier online. Procedure and counter, applicant, one file per document,
// how the result comes back, the phone proved by an SMS code; then the files are uploaded one by
// one (POST /api/online/files) and the dossier filed (POST /api/online/dossiers). Text from the
// server is set with textContent only.
"use strict";

const state = { procedures: {}, offices: {}, verificationId: null };
const ERRORS = {
  unsupported_file_type: "Tệp không phải PDF, JPG hoặc PNG.",
  file_too_large: "Tệp lớn hơn 10 MB.",
  dossier_too_large: "Cả hồ sơ lớn hơn 50 MB.",
  pdf_active_content: "Tệp PDF có chứa mã lệnh (JavaScript), không được chấp nhận.",
  image_too_large: "Ảnh có kích thước điểm ảnh quá lớn.",
  unreadable_image: "Không đọc được ảnh.",
  empty_file: "Tệp rỗng.",
  wrong_code: "Mã xác minh không đúng.",
  code_expired: "Mã xác minh đã hết hạn, vui lòng gửi lại mã.",
  too_many_tries: "Nhập sai quá nhiều lần, vui lòng gửi lại mã.",
  too_many_codes: "Đã gửi quá nhiều mã, vui lòng thử lại sau.",
  phone_not_verified: "Vui lòng xác minh số điện thoại trước.",
  office_cannot_receive: "Nơi này không tiếp nhận thủ tục đã chọn.",
  missing_documents: "Còn thiếu giấy tờ bắt buộc.",
  invalid_phone: "Số điện thoại không hợp lệ.",
};

function $(id) { return document.getElementById(id); }

function say(text) { $("message").textContent = text; }

async function call(method, url, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body instanceof Blob) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((data.error && data.error.message) || `HTTP ${response.status}`);
    error.code = data.error && data.error.code;
    error.details = data.error || {};
    throw error;
  }
  return data;
}

function explain(error) {
  if (error.code === "office_cannot_receive" && error.details.may_receive_at) {
    const names = error.details.may_receive_at.map((id) => (state.offices[id] || {}).name || id);
    return `${ERRORS.office_cannot_receive} Có thể nộp tại: ${names.join(", ")}.`;
  }
  return ERRORS[error.code] || error.message;
}

function showDocuments() {
  const procedure = state.procedures[$("procedure").value];
  const box = $("documents");
  box.replaceChildren();
  $("fee-note").textContent = "";
  if (!procedure) return;
  if (procedure.fee_vnd) {
    const amount = procedure.fee_vnd.toLocaleString("vi-VN");
    $("fee-note").textContent = `Phí, lệ phí: ${amount} ₫, nộp trực tuyến (đường dẫn thanh toán gửi qua tin nhắn).`;
  }
  $("return-post").disabled = !procedure.postal_return;
  if (!procedure.postal_return) $("return-counter").checked = true;
  procedure.documents.forEach((d, i) => {
    const id = `file-${i}`;
    const required = d.required !== false;
    box.append(el("div", { class: "document" },
      el("label", { for: id }, d.name, required ? " *" : " (nếu có)"),
      el("input", {
        id, type: "file", accept: ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
        "data-document": d.id, required: required ? "required" : null,
      })));
  });
  togglePostal();
}

function togglePostal() {
  $("postal").classList.toggle("hidden", !$("return-post").checked);
}

async function sendCode() {
  say("");
  try {
    const sent = await call("POST", "/api/verifications", { phone: $("phone").value.trim(), purpose: "online_submission" });
    state.verificationId = sent.verification_id;
    $("sent-to").textContent = sent.to;
    $("code-block").classList.remove("hidden");
    $("otp").focus();
  } catch (error) { say(explain(error)); }
}

async function checkCode() {
  say("");
  try {
    await call("POST", `/api/verifications/${encodeURIComponent(state.verificationId)}`, { code: $("otp").value.trim() });
    $("verified").classList.remove("hidden");
    $("code-block").classList.add("hidden");
    $("phone").readOnly = true;
    $("send-code").disabled = true;
    $("submit").disabled = false;
  } catch (error) { say(explain(error)); }
}

async function submit(event) {
  event.preventDefault();
  say("");
  $("submit").disabled = true;
  try {
    const q = `verification_id=${encodeURIComponent(state.verificationId)}`;
    const documents = [];
    for (const input of document.querySelectorAll("#documents input[type=file]")) {
      const file = input.files[0];
      if (!file) continue;
      const stored = await call("POST", `/api/online/files?${q}`, file, { "X-Filename": encodeURIComponent(file.name) })
        .catch((error) => { error.message = `${input.labels[0].textContent}: ${explain(error)}`; error.code = null; throw error; });
      documents.push({ id: input.dataset.document, file_id: stored.file_id });
    }
    const body = {
      verification_id: state.verificationId,
      procedure_code: $("procedure").value,
      office_id: $("office").value,
      applicant: { name: $("name").value.trim() },
      documents,
      return_method: $("return-post").checked ? "post" : "counter",
    };
    if ($("id_number").value.trim()) body.applicant.id_number = $("id_number").value.trim();
    if ($("address").value.trim()) body.applicant.address = $("address").value.trim();
    if (body.return_method === "post") {
      body.postal_address = { line: $("postal-line").value.trim(), commune_id: $("postal-commune").value };
    }
    const filed = await call("POST", "/api/online/dossiers", body);
    $("online-form").classList.add("hidden");
    $("done").classList.remove("hidden");
    $("done-code").textContent = filed.code;
    $("done-status").textContent = "Tình trạng: Đã nộp trực tuyến, chờ kiểm tra (mã trạng thái 1).";
    $("done-track").setAttribute("href", `/track?code=${encodeURIComponent(filed.code)}`);
    window.scrollTo(0, 0);
  } catch (error) {
    say(explain(error));
    $("submit").disabled = false;
  }
}

async function start() {
  const [procedures, offices] = await Promise.all([
    call("GET", "/api/catalog/procedures"), call("GET", "/api/catalog/offices"),
  ]);
  for (const p of procedures.procedures) {
    state.procedures[p.code] = p;
    $("procedure").append(el("option", { value: p.code }, `${p.name} (${p.code})`));
  }
  for (const o of offices.offices) {
    state.offices[o.id] = o;
    $("office").append(el("option", { value: o.id }, o.name));
    if (o.level === "commune") $("postal-commune").append(el("option", { value: o.id }, o.name));
  }
  $("procedure").addEventListener("change", showDocuments);
  $("return-post").addEventListener("change", togglePostal);
  $("return-counter").addEventListener("change", togglePostal);
  $("send-code").addEventListener("click", sendCode);
  $("check-code").addEventListener("click", checkCode);
  $("online-form").addEventListener("submit", submit);
}

start().catch(() => say("Không tải được danh mục thủ tục. Vui lòng thử lại."));
