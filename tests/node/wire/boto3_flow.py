# boto3 (Debian's python3-boto3, run as /usr/bin/python3) against `atrest serve`: the envelope
# flow its 2022 model knows, a grant with EncryptionContextSubset allowed and refused, modelled
# and unmodelled errors. Reads ATREST_URL and the AWS_* credentials of two callers from the
# environment; prints one JSON object of results for tests/node/kms-wire-boto3.test.js.
import base64, json, os, sys
import boto3, botocore
from botocore.exceptions import ClientError

url = os.environ['ATREST_URL']
def client(prefix):
    kw = dict(endpoint_url=url, region_name='us-east-1',
              aws_access_key_id=os.environ[prefix + '_ID'], aws_secret_access_key=os.environ[prefix + '_SECRET'])
    if os.environ.get(prefix + '_TOKEN'):
        kw['aws_session_token'] = os.environ[prefix + '_TOKEN']
    return boto3.client('kms', **kw)

admin, bob = client('ADMIN'), client('BOB')
out = {'boto3': boto3.__version__, 'botocore': botocore.__version__}
def code(fn):
    try:
        fn()
        return None
    except ClientError as e:
        return {'Code': e.response['Error']['Code'], 'Message': e.response['Error']['Message'],
                'Status': e.response['ResponseMetadata']['HTTPStatusCode'],
                'Modeled': type(e).__name__}

key = admin.create_key(Description='boto3')['KeyMetadata']
out['arn'] = key['Arn']
out['creationDateType'] = type(key['CreationDate']).__name__
admin.create_alias(AliasName='alias/py', TargetKeyId=key['KeyId'])
out['describeState'] = admin.describe_key(KeyId='alias/py')['KeyMetadata']['KeyState']
ec = {'tenant': 'acme', '\u00fcn\u00ef': '\u00e7\u00f8d\u00e9 \u2713'}
wrapped = admin.generate_data_key_without_plaintext(KeyId='alias/py', KeySpec='AES_256', EncryptionContext=ec)
out['gdkKeyId'] = wrapped['KeyId']
plain = admin.decrypt(CiphertextBlob=wrapped['CiphertextBlob'], EncryptionContext=ec)
out['plaintextLength'] = len(plain['Plaintext'])
key2 = admin.create_key()['KeyMetadata']
re = admin.re_encrypt(CiphertextBlob=wrapped['CiphertextBlob'], SourceEncryptionContext=ec, DestinationKeyId=key2['KeyId'])
out['reEncryptSource'] = re['SourceKeyId']
again = admin.decrypt(CiphertextBlob=re['CiphertextBlob'])
out['reEncryptKeepsKey'] = again['Plaintext'] == plain['Plaintext']
pages = list(admin.get_paginator('list_keys').paginate(PaginationConfig={'PageSize': 1}))
out['listKeysPages'] = [len(p['Keys']) for p in pages]
out['listKeysTruncated'] = [p['Truncated'] for p in pages]

policy = json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Sid': 'admin', 'Effect': 'Allow', 'Principal': {'AWS': os.environ['ADMIN_ARN']}, 'Action': 'kms:*', 'Resource': '*'}]})
admin.put_key_policy(KeyId=key['KeyId'], PolicyName='default', Policy=policy)
out['policyRoundTrip'] = json.loads(admin.get_key_policy(KeyId=key['KeyId'], PolicyName='default')['Policy']) == json.loads(policy)
blob = admin.encrypt(KeyId=key['KeyId'], Plaintext=b'for bob', EncryptionContext={'app': 'x', 'extra': '1'})['CiphertextBlob']
out['bobBeforeGrant'] = code(lambda: bob.decrypt(CiphertextBlob=blob, EncryptionContext={'app': 'x', 'extra': '1'}))
grant = admin.create_grant(KeyId=key['KeyId'], GranteePrincipal=os.environ['BOB_ARN'], Operations=['Decrypt'],
                           Constraints={'EncryptionContextSubset': {'app': 'x'}})
out['bobWithGrant'] = bob.decrypt(CiphertextBlob=blob, EncryptionContext={'app': 'x', 'extra': '1'})['Plaintext'].decode()
other = admin.encrypt(KeyId=key['KeyId'], Plaintext=b'not for bob', EncryptionContext={'app': 'y'})['CiphertextBlob']
out['bobOtherContext'] = code(lambda: bob.decrypt(CiphertextBlob=other, EncryptionContext={'app': 'y'}))
out['grants'] = [g['GrantId'] == grant['GrantId'] for g in admin.list_grants(KeyId=key['KeyId'])['Grants']]
admin.revoke_grant(KeyId=key['KeyId'], GrantId=grant['GrantId'])
out['bobAfterRevoke'] = code(lambda: bob.decrypt(CiphertextBlob=blob, EncryptionContext={'app': 'x', 'extra': '1'}))
admin.enable_key_rotation(KeyId=key['KeyId'])
out['rotation'] = admin.get_key_rotation_status(KeyId=key['KeyId'])['KeyRotationEnabled']
sched = admin.schedule_key_deletion(KeyId=key2['KeyId'], PendingWindowInDays=7)
out['scheduled'] = [sched['KeyState'], type(sched['DeletionDate']).__name__]
admin.cancel_key_deletion(KeyId=key2['KeyId'])
admin.disable_key(KeyId=key2['KeyId'])
out['disabled'] = code(lambda: admin.encrypt(KeyId=key2['KeyId'], Plaintext=b'x'))
admin.enable_key(KeyId=key2['KeyId'])
out['aliases'] = sorted(a['AliasName'] for a in admin.list_aliases()['Aliases'])
try:
    admin.describe_key(KeyId='alias/missing')
    out['notFoundClass'] = None
except admin.exceptions.NotFoundException as e:
    out['notFoundClass'] = 'NotFoundException'
out['alreadyExists'] = code(lambda: admin.create_alias(AliasName='alias/py', TargetKeyId=key2['KeyId']))
out['hasAccessDeniedClass'] = hasattr(admin.exceptions, 'AccessDeniedException')
json.dump(out, sys.stdout)
