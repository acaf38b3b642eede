// The citizen's feedback page: send a phản ánh or kiến nghị (about a dossier: its code and the
// phone's last four digits; otherwise the phone is confirmed by an SMS code), then follow it by
// its code. Every value is shown with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const ERRORS = {
  404: "Không tìm thấy với mã và số điện thoại này.",
  429: "Ông/bà đã gửi hoặc tra cứu quá nhiều lần. Vui lòng thử lại sau.",
  403: "Số điện thoại chưa được xác nhận bằng mã trong tin nhắn.",
};
let verificationId = null;

const say = (text, kind = "error") => { $("message").className = kind; $("message").textContent = text; };
const explain = (e) => ERRORS[e.status]
  || (e.status === 422 ? "Vui lòng kiểm tra lại các ô đã nhập (nội dung ít nhất 10 ký tự)." : e.message);

function about() { return $("about-dossier").checked ? "dossier" : "office"; }

function toggleAbout() {
  $("with-dossier").classList.toggle("hidden", about() !== "dossier");
  $("without-dossier").classList.toggle("hidden", about() === "dossier");
}

async function loadOffices() {
  const { offices } = await request("/api/catalog/offices");
  $("office").replaceChildren(...offices.map((o) => el("option", { value: o.id }, o.name)));
}

async function sendCode() {
  say("");
  try {
    const sent = await request("/api/verifications", {
      method: "POST", body: { phone: $("phone").value.trim(), purpose: "feedback" },
    });
    verificationId = sent.verification_id;
    $("code-row").classList.remove("hidden");
    say(`Đã gửi mã xác nhận tới ${sent.to}.`, "notice");
  } catch (e) { say(e.status === 429 ? ERRORS[429] : explain(e)); }
}

async function confirmCode() {
  say("");
  try {
    await request(`/api/verifications/${encodeURIComponent(verificationId || "")}`, {
      method: "POST", body: { code: $("sms-code").value.trim() },
    });
    $("verified").classList.remove("hidden");
    $("code-row").classList.add("hidden");
  } catch (e) {
    say(e.code === "wrong_code" ? "Mã xác nhận không đúng." : e.code === "code_expired"
      ? "Mã xác nhận đã hết hạn: xin gửi mã mới." : explain(e));
  }
}

async function submit(event) {
  event.preventDefault();
  say("");
  const body = { kind: $("kind").value, content: $("content").value };
  if (about() === "dossier") {
    body.dossier_code = $("dossier-code").value.trim().toUpperCase();
    body.phone = $("dossier-phone").value.trim();
  } else {
    body.office_id = $("office").value;
    body.verification_id = verificationId;
  }
  let made;
  try {
    made = await request("/api/feedback", { method: "POST", body });
  } catch (e) { say(explain(e)); return; }
  $("feedback-form").classList.add("hidden");
  $("sent-code").textContent = made.code;
  $("sent-due").textContent = localTime(made.due_at);
  $("sent").classList.remove("hidden");
  $("follow-code").value = made.code;
}

async function follow(event) {
  if (event) event.preventDefault();
  say("");
  const code = $("follow-code").value.trim().toUpperCase();
  const phone = $("follow-phone").value.trim();
  let view;
  try {
    view = await request(`/api/feedback/${encodeURIComponent(code)}?phone=${encodeURIComponent(phone)}`);
  } catch (e) { $("followed").classList.add("hidden"); say(explain(e)); return; }
  $("f-code").textContent = view.code;
  $("f-kind").textContent = view.kind_label;
  $("f-status").textContent = view.status_label;
  $("f-received").textContent = localTime(view.received_at);
  $("f-due").textContent = localTime(view.due_at);
  $("f-content").textContent = view.content;
  $("f-answer-row").classList.toggle("hidden", !view.answer);
  $("f-answer").textContent = view.answer ? `${view.answer} (${localTime(view.answered_at)})` : "";
  $("followed").classList.remove("hidden");
}

$("about-dossier").addEventListener("change", toggleAbout);
$("about-office").addEventListener("change", toggleAbout);
$("send-code").addEventListener("click", sendCode);
$("confirm-code").addEventListener("click", confirmCode);
$("feedback-form").addEventListener("submit", submit);
$("follow-form").addEventListener("submit", follow);
loadOffices().catch(() => say("Không tải được danh sách cơ quan."));
// The SMS link is /feedback?code=<code>: the code is filled in, the citizen types the digits.
const linked = new URLSearchParams(location.search).get("code");
if (linked) {
  $("follow-code").value = linked.slice(0, 40);
  $("follow").scrollIntoView();
  $("follow-phone").focus();
}
