"""The embedded services' settings."""
from __future__ import annotations

import importlib.util
import logging

import pytest
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


def test_shared_buffers_default_to_128mb_and_follow_the_variable(monkeypatch, tmp_path):
    from dangan.platform.devservices import postgres

    monkeypatch.delenv(postgres.SHARED_BUFFERS_VARIABLE, raising=False)
    assert postgres.shared_buffers() == "'128MB'"
    monkeypatch.setenv(postgres.SHARED_BUFFERS_VARIABLE, "2GB")
    assert postgres.shared_buffers() == "'2GB'"
    # Without __post_init__, which as root (CI) makes a system user and opens tmp_path's parents.
    server = object.__new__(postgres.EmbeddedPostgres)
    server.data_dir, server.port, server.ephemeral, server.system_user = tmp_path, 5999, False, None
    (tmp_path / "postgresql.conf").write_text("# initdb's\n")
    server.write_settings()
    assert "shared_buffers = '2GB'" in (tmp_path / "dangan.conf").read_text()


@pytest.mark.parametrize("value", ["2 GB", "lots", "0MB", "2GB; fsync = off", "16TB"])
def test_a_malformed_shared_buffers_is_refused_before_it_reaches_the_configuration(monkeypatch, value):
    from dangan.platform.devservices import postgres

    monkeypatch.setenv(postgres.SHARED_BUFFERS_VARIABLE, value)
    with pytest.raises(ValueError, match=postgres.SHARED_BUFFERS_VARIABLE):
        postgres.shared_buffers()
