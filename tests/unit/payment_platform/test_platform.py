"""The simulator's state machine in process, driven by tick() (no server, no threads)."""

from datetime import timedelta

import pytest

from services.payment_platform.simulator import Config, Conflict, PaymentPlatform


def platform(**config) -> PaymentPlatform:
    return PaymentPlatform(Config(callback_url=None, secret="s", pay_delay=0.0, **config))


def create(p: PaymentPlatform, description: str, **extra) -> str:
    request = {"reference": description + str(len(p.payments)), "amount": 10_000}
    request |= {"description": description, "expires_in_seconds": 900, **extra}
    payment, created = p.create(request, "http://127.0.0.1:9/")
    assert created
    assert payment["pay_url"] == f"http://127.0.0.1:9/pay/{payment['payment_ref']}"
    return payment["payment_ref"]


def outbox(p: PaymentPlatform) -> list[dict]:
    items = []
    while not p.outbox.empty():
        items.append(p.outbox.get_nowait())
    return items


def test_the_fail_rate_decides_untagged_autopay():
    failing, paying = platform(fail_rate=1.0, seed=1), platform(fail_rate=0.0, seed=1)
    failed, paid = create(failing, "[autopay]"), create(paying, "[autopay]")
    failing.tick()
    paying.tick()
    assert failing.get(failed)["status"] == "failed"
    assert paying.get(paid)["status"] == "paid"
    assert paying.get(paid)["channel"] in ("card", "bank_transfer", "e_wallet")


def test_the_fail_tag_wins_over_a_zero_fail_rate():
    p = platform(fail_rate=0.0)
    ref = create(p, "[fail]")
    p.tick()
    assert p.get(ref)["status"] == "failed"


def test_without_autopay_nothing_happens_until_expiry():
    p = platform()
    ref = create(p, "Lệ phí [expire] [autopay]")
    p.tick()
    assert p.get(ref)["status"] == "pending"
    p.payments[ref].expires_at -= timedelta(seconds=900)
    p.tick()
    assert p.get(ref)["status"] == "expired"
    assert [c["status"] for c in outbox(p)] == ["expired"]
    with pytest.raises(Conflict):
        p.act(ref, "pay", None)


def test_dup_and_nocallback_shape_the_outbox():
    p = platform()
    duplicated, silent = create(p, "[autopay] [dup:3]"), create(p, "[autopay] [nocallback]")
    p.tick()
    sent = outbox(p)
    assert [c["payment_ref"] for c in sent] == [duplicated] * 4
    assert len({c["event_id"] for c in sent}) == 1
    assert len(p.get(silent)["events"]) == 1


def test_a_refund_reference_is_per_payment_and_keeps_its_amount():
    p = platform()
    first, second = create(p, "[autopay]"), create(p, "[autopay]")
    p.tick()
    refund = {"refund_reference": "R1", "amount": 4_000, "reason": "thừa"}
    assert p.refund(first, refund)[1] is True
    assert p.refund(second, refund)[1] is True  # the same key on another payment: another refund
    assert p.refund(first, refund)[1] is False
    with pytest.raises(Conflict, match="was used for 4000"):
        p.refund(first, {**refund, "amount": 5_000})
    assert p.get(first)["refunded_amount"] == 4_000
    assert p.get(first)["status"] == "partially_refunded"
    assert p.refund("PAY000000000000", refund) == (None, False)
