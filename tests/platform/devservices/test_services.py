"""The embedded services' settings."""
from __future__ import annotations

import importlib.util
import logging

from kombu import Connection

from dangan.platform.devservices import services


def test_the_embedded_broker_url_gives_kombu_a_host_so_it_does_not_warn_on_every_connection(tmp_path, caplog):
    folder = str(tmp_path)
    options = {"data_folder_in": folder, "data_folder_out": folder}
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        assert Connection(services.EMBEDDED_BROKER_URL, transport_options=options).as_uri().startswith("filesystem://")
        assert not caplog.records
        Connection("filesystem://", transport_options=options).as_uri()  # what was used before
        assert "No hostname was supplied" in caplog.text  # so the check above can fail


def test_settings_default_to_the_same_embedded_broker(monkeypatch):
    # Loaded as a separate module, so that Django's own settings module is left as it is.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    spec = importlib.util.spec_from_file_location(
        "celery_settings_copy", services.REPO_ROOT / "platform" / "settings" / "celery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.CELERY_BROKER_URL == services.EMBEDDED_BROKER_URL
    assert module.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"].endswith("/queue")
