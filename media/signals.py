"""Stored files follow their rows: deleted from storage once the deletion commits (a
rolled-back deletion keeps its file), whatever deleted the row (API, admin, a tenant's
cascade, purge_media)."""

from django.db import transaction
from django.db.models.signals import post_delete


def delete_file_on_commit(sender, instance, **kwargs):
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def connect():
    from media.models import MediaFile, Recording, VoicemailGreeting, VoicemailMessage

    for model in (MediaFile, Recording, VoicemailGreeting, VoicemailMessage):
        post_delete.connect(delete_file_on_commit, sender=model, dispatch_uid=f"media-file-{model.__name__}")
