"""Fill the claim embedding cache outside any task (deploy step, or after a
bulk import): a worker then builds its index from cached vectors in seconds
instead of encoding every claim inside a task's time limit."""

from django.conf import settings
from django.core.management.base import BaseCommand

from claims import matcher_runtime


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        if settings.MATCHER_EMBEDDINGS is False:
            self.stdout.write("MATCHER_EMBEDDINGS is off: nothing to encode.")
            return
        docs = matcher_runtime.claim_docs()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  encoded {done}/{total}")

        encoded = matcher_runtime.embeddings_encode_missing(docs, progress=progress)
        self.stdout.write(f"{encoded} claim(s) encoded; {len(docs) - encoded} already cached.")
