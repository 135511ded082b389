"""Full MNIST on demand: mirrors and digests, a resumable verified download, and the
user's data folder (downloaded and imported IDX copies).

Everything here is Qt-free; the GUI calls :func:`download_mnist` and
:func:`import_idx_folder` from a worker thread with ``progress``/``cancel`` callables.
"""

from seqstudio.core.datasets.download import DownloadCancelled, DownloadError, download_mnist
from seqstudio.core.datasets.mirrors import (
    DEFAULT_MIRRORS,
    MIRRORS_ENV,
    MNIST_MANIFEST,
    Manifest,
    RemoteFile,
    resolve_mirrors,
)
from seqstudio.core.datasets.store import (
    SourceInfo,
    available_sources,
    forget_imported_folder,
    full_mnist_source,
    import_idx_folder,
    imported_idx_folder,
    mnist_download_dir,
    user_config_dir,
    user_data_dir,
)

__all__ = [
    "DEFAULT_MIRRORS",
    "MIRRORS_ENV",
    "MNIST_MANIFEST",
    "DownloadCancelled",
    "DownloadError",
    "Manifest",
    "RemoteFile",
    "SourceInfo",
    "available_sources",
    "download_mnist",
    "forget_imported_folder",
    "full_mnist_source",
    "import_idx_folder",
    "imported_idx_folder",
    "mnist_download_dir",
    "resolve_mirrors",
    "user_config_dir",
    "user_data_dir",
]
