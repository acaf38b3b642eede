// Citizen page: dossier code + last four digits of the phone -> status, appointment, steps.
"use strict";

const LEVELS = { commune: "Cấp xã", district: "Cấp huyện", province: "Cấp tỉnh" };
const STEP_STATUS = { done: "Đã xong", current: "Đang xử lý", pending: "Chưa đến" };
const METHODS = { counter: "Tại Bộ phận Một cửa", post: "Qua dịch vụ bưu chính" };
const ERRORS = {
  404: "Không tìm thấy hồ sơ với mã và số điện thoại này.",
  422: "Vui lòng nhập đúng mã hồ sơ và 4 số cuối của số điện thoại.",
  429: "Bạn đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
};

function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("vi-VN", {
    timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit",
    day: "2-digit", month: "2-digit", year: "numeric",
  });
}

function text(id, value) { document.getElementById(id).textContent = value; }

// One fee or financial obligation: what, how much, paid or how to pay (online, while due).
function payment(p) {
  const due = p.status === "due";
  return el("li", { class: `payment payment-${p.status}` },
    el("div", { class: "payment-head" },
      el("strong", {}, `${p.kind_label}: `), el("span", { class: "amount" }, p.amount), " ",
      el("span", { class: `pay pay-${p.status}` }, p.status_label)),
    p.reason ? el("div", {}, `Nội dung: ${p.reason}`) : null,
    due && p.pay_by ? el("div", {}, `Hạn nộp: ${when(p.pay_by)}`) : null,
    p.receipt_number && p.status !== "due" ? el("div", {}, `Biên lai số: ${p.receipt_number}`) : null,
    p.paid_at && p.status !== "due" ? el("div", { class: "muted" }, `Đã nộp lúc ${when(p.paid_at)}`) : null,
    due && p.pay_url ? el("div", { class: "pay-link" },
      el("a", { class: "button pay-online", href: p.pay_url, target: "_blank", rel: "noopener" },
        "Thanh toán trực tuyến")) : null,
    due ? el("div", { class: "muted" }, p.pay_url
      ? "Hoặc nộp tại Bộ phận Một cửa nơi đã nộp hồ sơ."
      : "Nộp tại Bộ phận Một cửa nơi đã nộp hồ sơ; đường dẫn thanh toán trực tuyến sẽ được gửi qua tin nhắn.") : null);
}

async function lookUp(event) {
  event.preventDefault();
  const code = document.getElementById("code").value.trim().toUpperCase();
  const phone = document.getElementById("phone").value.trim();
  const message = document.getElementById("message");
  const result = document.getElementById("result");
  message.textContent = "";
  result.classList.add("hidden");
  let response;
  try {
    response = await fetch(
      `/api/track/${encodeURIComponent(code)}?phone=${encodeURIComponent(phone)}`);
  } catch (e) {
    message.textContent = "Không kết nối được máy chủ. Vui lòng thử lại.";
    return;
  }
  if (!response.ok) {
    message.textContent = ERRORS[response.status] || "Đã có lỗi. Vui lòng thử lại sau.";
    return;
  }
  const view = await response.json();
  text("r-procedure", view.procedure_name);
  text("r-code", view.code);
  text("r-status", view.status);
  text("r-received", when(view.received_at));
  text("r-appointment", when(view.appointment_at));
  text("r-method", METHODS[view.return_method] || view.return_method);
  document.getElementById("r-returned-row").classList.toggle("hidden", !view.returned_at);
  text("r-returned", when(view.returned_at));
  const payments = view.payments || [];
  document.getElementById("r-payments-block").classList.toggle("hidden", !payments.length);
  document.getElementById("r-payments").replaceChildren(...payments.map(payment));
  const steps = document.getElementById("r-steps");
  steps.replaceChildren(...view.steps.map((step) => {
    const li = document.createElement("li");
    li.className = step.status;
    li.textContent = `${LEVELS[step.level] || step.level}: ${step.office_name} — `
      + `${STEP_STATUS[step.status]} (hạn ${when(step.due_at)})`;
    return li;
  }));
  result.classList.remove("hidden");
  if (window.showEvaluation) window.showEvaluation(code, phone, view); // track-eval.js
}

document.getElementById("track-form").addEventListener("submit", lookUp);
// The SMS link is /track?code=<code>: the code is filled in, the citizen types the digits.
const linked = new URLSearchParams(location.search).get("code");
if (linked) {
  document.getElementById("code").value = linked.slice(0, 40);
  document.getElementById("phone").focus();
}
