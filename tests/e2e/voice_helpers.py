"""What the citizens'-voice tests share (e2e and browser): a dossier whose result has been handed
over at Vàm Láng's counter (its evaluation open), and a citizen's feedback about a dossier."""

import random

import requests

from tests.e2e.conftest import BASE, client_headers, fresh_client


def returned_dossier(officers, phone: str) -> str:
    """A commune dossier received, resolved and handed over at Vàm Láng's counter."""
    receiver, handler = officers("X28720", "receiver"), officers("X28720", "handler")
    code = receiver.receive("HT-03", phone=phone)["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    handler.act(code, "resolve")
    receiver.wait_state(code, "ready_at_counter")
    receiver.act(code, "hand_over")
    return code


def new_phone() -> tuple[str, str, str]:
    """A mobile number of its own for each test run (the limits count feedback per phone an
    hour): (as typed "09…", as SMS'd "849…", its last four digits)."""
    phone = f"09{random.randint(0, 99_999_999):08d}"
    return phone, f"84{phone[1:]}", phone[-4:]


def submit_feedback(dossier: str, phone: str, content: str, kind="recommendation") -> dict:
    """Feedback about `dossier` by its code and the phone's last four digits: the answer."""
    body = {"kind": kind, "content": content, "dossier_code": dossier, "phone": phone}
    headers = client_headers(fresh_client())  # the limit per client address is its own
    r = requests.post(f"{BASE}/api/feedback", json=body, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()
