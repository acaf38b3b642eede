"""Phone verification by an SMS one-time code: how a citizen proves a phone number is theirs
before doing something online without a dossier code (submitting a dossier, sending feedback).

The rules are here, in one place: what a code may be used for, how long it is, how long it
lasts, how many tries it takes, how long a proof lasts once the code was right, and the limits
on asking for codes. The notification service (services/notification/verification.py) applies
them; the gateway serves them at /api/verifications."""

from datetime import timedelta

PURPOSES = ("online_submission", "feedback")
PURPOSE_LABELS_VI = {"online_submission": "nộp hồ sơ trực tuyến", "feedback": "gửi phản ánh"}
CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=10)  # a code not confirmed by then is expired
MAX_TRIES = 5  # wrong codes before the verification is locked
PROOF_TTL = timedelta(minutes=30)  # a confirmed phone may be used for this long after
# codes asked for (limit, window): per phone number, and per client address
PHONE_LIMIT = (3, timedelta(minutes=15))
CLIENT_LIMIT = (10, timedelta(hours=1))
# what a verification is: waiting for its code, confirmed, locked after MAX_TRIES wrong codes
STATUSES = ("pending", "verified", "locked")
ID_PATTERN = r"^[A-Za-z0-9_\-]{20,40}$"
CODE_PATTERN = rf"^[0-9]{{{CODE_LENGTH}}}$"
