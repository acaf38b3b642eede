"""Rebuild every aggregate's read views from its documents: after an upgrade that changed what a
view holds or how it is keyed, the views of aggregates that have not changed since still have the
old shape (a dossier could be missing from its office's worklist). Run it with the services
stopped (`make reindex` stops them).

    python -m services.ops.reindex [--batch N]
"""

import argparse
import os
import sys

from pymongo import MongoClient

from services.common.repository import ADAPTERS
from services.common.store import MongoStore
from services.documents.store import DocumentsStore
from services.feedback.store import FeedbackStore
from services.intake.store import IntakeStore
from services.notification.store import NotificationStore
from services.payment.store import PaymentStore
from services.portal_sync.store import SyncStore
from services.postal.store import PostalStore
from services.routing.store import RoutingStore

STORES: tuple[type[MongoStore], ...] = (
    IntakeStore,
    RoutingStore,
    NotificationStore,
    PostalStore,
    PaymentStore,
    SyncStore,
    DocumentsStore,
    FeedbackStore,
)


def reindex(client: MongoClient, prefix: str, adapter: str, batch: int = 200, out=sys.stdout):
    """Rebuild the views of every repository of every service; {database.collection: count}."""
    done = {}
    for store in STORES:
        db = client[prefix + store.database]
        for name, views in store.repositories.items():
            repository = ADAPTERS[adapter](db, name, views)
            count = 0
            for count in repository.rebuild_views(batch):
                out.write(f"\r{db.name}.{name}: {count} rebuilt")
                out.flush()
            names = ", ".join(views.names) if views else "none"
            out.write(f"\r{db.name}.{name}: {count} rebuilt (views: {names})\n")
            done[f"{db.name}.{name}"] = count
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=200, help="aggregates per batch (200)")
    args = parser.parse_args(argv)
    client: MongoClient = MongoClient(os.environ["LT_MONGO_URI"], tz_aware=True)
    prefix = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
    reindex(client, prefix, os.environ.get("LT_STORE_ADAPTER") or "journal", args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
