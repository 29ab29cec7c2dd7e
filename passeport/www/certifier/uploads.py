"""An upload handler that stops keeping a file once it is over the deposit size limit."""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitHandler(FileUploadHandler):
    """Placed first: past ``limit`` bytes the file is skipped (nothing of it is kept on disk
    or in memory) and ``too_large`` tells the view why it is missing."""

    def __init__(self, limit: int, request=None) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers build the uploaded file
