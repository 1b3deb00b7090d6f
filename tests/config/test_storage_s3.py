"""Files in an S3 bucket: private objects, fetched only through Postsale's checked views.

The bucket is moto's S3 server on a local port, and the storage settings are the ones
config/settings.py makes from POSTSALE_STORAGE=s3 and the AWS_* variables in a fresh process.
"""

import json
import urllib.request

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.factories import make_order, make_return, return_line, track

from ..portal.conftest import scope
from .test_settings import run

BUCKET = "postsale-files"
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


@pytest.fixture
def endpoint(monkeypatch):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }.items():
        monkeypatch.setenv(name, value)
    url = f"http://{host}:{port}"
    # moto keeps its buckets in the process, across servers: each test starts from none.
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
    yield url
    server.stop()


@pytest.fixture
def bucket(endpoint):
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-central-1")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return client


@pytest.fixture
def s3_storage(settings, endpoint, bucket, tmp_path):
    """STORAGES["default"] exactly as the settings make it with POSTSALE_STORAGE=s3."""
    code = "import django, json; django.setup(); from django.conf import settings as s; "
    code += "print(json.dumps(s.STORAGES['default']))"
    result = run(
        ["-c", code],
        tmp_path,
        DEBUG="true",
        POSTSALE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_S3_REGION_NAME="eu-central-1",
    )
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)
    settings.STORAGES = {**settings.STORAGES, "default": made}
    return made


def test_the_settings_make_a_private_bucket_with_short_signed_urls(s3_storage):
    assert s3_storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3_storage["OPTIONS"] | {"endpoint_url": None} == {
        "bucket_name": BUCKET,
        "endpoint_url": None,
        "region_name": "eu-central-1",
        "location": "",
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
    }


def test_a_bucket_name_alone_chooses_s3(tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.STORAGES['default']['BACKEND'])"

    result = run(["-c", code], tmp_path, DEBUG="true", AWS_STORAGE_BUCKET_NAME=BUCKET)

    assert result.stdout.strip() == "storages.backends.s3.S3Storage"


def test_a_return_label_in_the_bucket_is_private_and_reaches_only_its_buyer(
    client, s3_storage, bucket, shop, carrier
):
    order = make_order(shop, email="anna.berg@example.de")
    track(order, "delivered", days_ago=2)
    request = make_return(order, return_line(order))
    key = request.label_pdf.name

    grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    anonymous = client.get(request.label_pdf.url)
    scope(client, order)
    buyer = client.get(f"/portal/leinen/order/{order.number}/return/{request.rma}/label.pdf")

    assert bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read().startswith(b"%PDF")
    assert request.rma not in key
    assert [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GRANTEES] == []
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner's, and nobody else's
    assert anonymous.status_code == 401 and not anonymous.streaming
    assert buyer.status_code == 200
    assert b"".join(buyer.streaming_content).startswith(b"%PDF")
    assert buyer["Content-Disposition"] == f'attachment; filename="{request.rma}.pdf"'


def test_an_address_the_storage_makes_is_signed_and_expires_in_five_minutes(s3_storage, shop, carrier):
    order = make_order(shop)
    track(order, "delivered", days_ago=2)
    request = make_return(order, return_line(order))

    address = request.label_pdf.storage.url(request.label_pdf.name)

    assert "X-Amz-Signature=" in address and "X-Amz-Expires=300" in address
