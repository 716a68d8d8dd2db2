"""Restore tests of file archives: streamed from the local S3 server into a scratch directory,
every member hashed against the manifest; malicious members refused with nothing written outside."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from controlplane.results import Status
from hds_backup import checks_restore
from hds_backup.manifest import BackupManifest
from hds_backup.manifest_build import build_manifest
from tests.plugins.backup.helpers import (
    BackupBucket,
    check_ctx,
    collect,
    edit_manifest,
    only,
    scratch_dirs,
    special,
    tar_bytes,
    tar_set,
)

FILES = [("docs/a.txt", b"alpha\n" * 1000), ("docs/sub/b.bin", bytes(range(256)) * 40), ("c.txt", b"")]


def _manifest(tmp_path: Path, data: bytes, name: str = "docs.tar") -> BackupManifest:
    path = tmp_path / name
    path.write_bytes(data)
    return build_manifest(path, "tar", source_name="docs")


def _integrity(bucket: BackupBucket, scratch_dir: Path, key: str, data: bytes, manifest: BackupManifest | None):
    bucket.put_backup(key, data, manifest)
    target = bucket.target([tar_set("docs", key.rsplit("/", 1)[0] + "/", scratch_dir)])
    snap = collect(target)
    return only(checks_restore.restore_integrity(snap, check_ctx(target)))


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_archive_restores_and_every_file_matches(locked_bucket, scratch_dir, tmp_path, compression):
    data = tar_bytes([*FILES, special("docs/latest", tarfile.SYMTYPE, "a.txt")], compression)
    finding = _integrity(locked_bucket, scratch_dir, "files/docs.tar", data, _manifest(tmp_path, data))
    assert finding.status is Status.passed, finding.message
    assert finding.evidence["files_verified"] == 3 and finding.evidence["links_verified"] == 1
    assert finding.evidence["compression"] == compression
    assert scratch_dirs(scratch_dir) == []


def test_altered_file_is_named(locked_bucket, scratch_dir, tmp_path):
    manifest = _manifest(tmp_path, tar_bytes(FILES))
    changed = tar_bytes([FILES[0], ("docs/sub/b.bin", b"X" + FILES[1][1][1:]), FILES[2]])
    finding = _integrity(locked_bucket, scratch_dir, "files/docs.tar", changed, edit_manifest(manifest))
    assert finding.status is Status.failed
    assert finding.evidence["problems"][0].startswith("checksum mismatch")
    assert any(p.startswith("file docs/sub/b.bin: sha256") for p in finding.evidence["problems"])


def test_missing_and_unexpected_files(locked_bucket, scratch_dir, tmp_path):
    manifest = _manifest(tmp_path, tar_bytes(FILES))
    other = tar_bytes([FILES[0], FILES[2], ("docs/intrus.txt", b"?")])
    manifest = edit_manifest(
        manifest,
        artefact={
            **manifest.artefact.model_dump(),
            "sha256": _manifest(tmp_path, other).artefact.sha256,
            "size": len(other),
        },
    )
    finding = _integrity(locked_bucket, scratch_dir, "files/docs.tar", other, manifest)
    assert finding.status is Status.failed
    assert finding.evidence["problems"] == [
        "file docs/sub/b.bin is missing from the archive",
        "file docs/intrus.txt is in the archive but not in the manifest",
    ]


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (("/etc/hds-evil", b"x"), "has an absolute path"),
        (("docs/../../hds-evil", b"x"), "climbs out with '..'"),
        (special("docs/evil", tarfile.SYMTYPE, "../../../etc"), "points outside the archive"),
        (special("docs/evil", tarfile.SYMTYPE, "/etc/passwd"), "points to an absolute path"),
        (special("docs/evil", tarfile.LNKTYPE, "/etc/passwd"), "has an absolute path"),
        (special("docs/evil", tarfile.LNKTYPE, "../outside"), "climbs out with '..'"),
        (special("docs/evil", tarfile.CHRTYPE), "is a device file"),
        (special("docs/evil", tarfile.FIFOTYPE), "is a FIFO file"),
    ],
)
def test_malicious_member_is_refused_and_nothing_escapes(locked_bucket, scratch_dir, tmp_path, member, reason):
    data = tar_bytes([FILES[0], member])
    manifest = BackupManifest.model_validate(
        {
            "tool": "tar",
            "created_at": "2026-01-01T00:00:00Z",
            "source": {"kind": "files", "name": "docs"},
            "artefact": {"name": "docs.tar", "format": "tar", "size": len(data), "sha256": "0" * 64},
            "files": [],
        }
    )
    finding = _integrity(locked_bucket, scratch_dir, "evil/docs.tar", data, manifest)
    assert finding.status is Status.failed
    assert finding.message.startswith("archive member refused"), finding.message
    assert reason in finding.message
    assert not (scratch_dir.parent / "hds-evil").exists() and not Path("/etc/hds-evil").exists()
    assert scratch_dirs(scratch_dir) == []


def test_symlink_chain_leaving_the_directory_is_refused(locked_bucket, scratch_dir, tmp_path):
    """Each link looks inside on its own; together `a/m` resolves to the scratch directory's parent."""
    data = tar_bytes(
        [("a/f.txt", b"x"), special("a/l", tarfile.SYMTYPE, ".."), special("a/m", tarfile.SYMTYPE, "l/..")]
    )
    manifest = BackupManifest.model_validate(
        {
            "tool": "tar",
            "created_at": "2026-01-01T00:00:00Z",
            "source": {"kind": "files", "name": "docs"},
            "artefact": {"name": "x.tar", "format": "tar", "size": len(data), "sha256": "0" * 64},
            "files": [],
        }
    )
    finding = _integrity(locked_bucket, scratch_dir, "chain/x.tar", data, manifest)
    assert finding.status is Status.failed
    assert "resolves outside the scratch directory" in finding.message


def test_manifest_writer_refuses_the_same_members(tmp_path):
    from hds_backup.restore_tar import UnsafeMember

    path = tmp_path / "evil.tar"
    path.write_bytes(tar_bytes([special("x", tarfile.SYMTYPE, "/etc/shadow")]))
    with pytest.raises(UnsafeMember, match="points outside the archive"):
        build_manifest(path, "tar")


def test_link_that_starts_escaping_later_is_never_written_through(locked_bucket, scratch_dir, tmp_path):
    """`a` points into `d/b` before `d/b` exists; once `d/b -> ..` arrives, `a` leads out: a later
    member under `a/` is refused before any directory is created through it."""
    data = tar_bytes(
        [
            special("a", tarfile.SYMTYPE, "d/b/.."),
            special("d/b", tarfile.SYMTYPE, ".."),
            ("a/nouveau/evil.txt", b"x"),
        ]
    )
    manifest = BackupManifest.model_validate(
        {
            "tool": "tar",
            "created_at": "2026-01-01T00:00:00Z",
            "source": {"kind": "files", "name": "docs"},
            "artefact": {"name": "x.tar", "format": "tar", "size": len(data), "sha256": "0" * 64},
            "files": [],
        }
    )
    finding = _integrity(locked_bucket, scratch_dir, "late/x.tar", data, manifest)
    assert finding.status is Status.failed
    assert "would be written through a link leaving the scratch directory" in finding.message
