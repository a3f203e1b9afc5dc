#!/usr/bin/python3
"""A MongoDB wire-protocol peer for the store tests, where no real MongoDB server can run.

MockupDB (Debian's python3-mockupdb) speaks the wire protocol (OP_MSG, and OP_QUERY for the
legacy handshake) over TCP; every command is answered from mongomock (python3-mongomock), which
provides the query and update semantics. The official Node.js driver talks to it like to a
standalone mongod: handshake (hello / isMaster), ping, buildInfo, endSessions, find / getMore /
killCursors, insert, update, delete, findAndModify, createIndexes / listIndexes, drop,
dropDatabase, aggregate, count, listCollections, create.

Commands run one at a time (one lock), so each is atomic, as single-document operations are on
a real server. TTL indexes behave like mongod's: documents are not removed on access (mongomock
would) but by a background monitor every --ttl-monitor-seconds (mongod: 60), so expired
documents stay visible to queries for a while, as on a real server.

Usage: mongo_peer.py [--port N] [--ttl-monitor-seconds S]. Prints "PORT <n>" once it listens,
and exits when its standard input closes (so it never outlives the test run) or on SIGTERM,
printing "COMMANDS <json>": how many times each command was answered.
"""

import argparse
import collections
import datetime
import importlib.metadata
import itertools
import json
import random
import signal
import sys
import threading
import traceback
from collections import OrderedDict

import bson
from bson.int64 import Int64
from bson.regex import Regex
import mockupdb
import mongomock
from mongomock import DuplicateKeyError, OperationFailure
from mongomock.collection import ReturnDocument

WIRE_VERSION = 17  # MongoDB 6.0
SERVER_VERSION = '6.0.0'
IGNORED_FIELDS = {
    'lsid', 'txnNumber', 'writeConcern', 'readConcern', 'maxTimeMS', 'comment', 'apiVersion',
    'apiStrict', 'apiDeprecationErrors', 'bypassDocumentValidation', 'hint', 'autocommit',
    'startTransaction', 'readPreference', 'cursor', 'ordered', 'singleBatch', 'allowDiskUse',
}


def version_of(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return getattr(sys.modules.get(package), '__version__', 'unknown')


PEER = 'mockupdb %s + mongomock %s (pymongo %s)' % (
    version_of('mockupdb'), version_of('mongomock'), version_of('pymongo'))


class CommandError(Exception):
    def __init__(self, code, code_name, message):
        super().__init__(message)
        self.code = code
        self.code_name = code_name
        self.message = message


class Peer:
    def __init__(self, ttl_monitor_seconds):
        self.client = mongomock.MongoClient()
        self.lock = threading.RLock()
        self.cursors = {}
        self.ttl = {}  # (db, collection, index name) -> (field, expireAfterSeconds)
        self.connection_ids = itertools.count(1)
        self.ttl_monitor_seconds = ttl_monitor_seconds
        self.stopped = threading.Event()
        self.counts = collections.Counter()  # commands answered, by name

    # -- plumbing --------------------------------------------------------------------------

    def handle(self, request):
        """MockupDB responder for every request: answers it and returns True."""
        if not request.docs:
            return False
        doc = request.doc
        name = next(iter(doc), None)
        db = request.namespace or doc.get('$db') or 'admin'
        try:
            with self.lock:
                self.counts[name] += 1
                reply = self.dispatch(name, db, doc)
        except CommandError as error:
            reply = OrderedDict(ok=0, errmsg=error.message, code=error.code, codeName=error.code_name)
        except OperationFailure as error:
            reply = OrderedDict(ok=0, errmsg=str(error), code=error.code or 2, codeName='BadValue')
        except Exception as error:  # a bug here, or a mongomock gap: say so, keep the connection
            traceback.print_exc()
            reply = OrderedDict(ok=0, errmsg='peer failure: %r' % (error,), code=1, codeName='InternalError')
        request.replies(reply)
        return True

    def dispatch(self, name, db, doc):
        lowered = (name or '').lower()
        handler = {
            'hello': self.hello, 'ismaster': self.hello, 'ping': self.ping,
            'buildinfo': self.build_info, 'endsessions': self.ping, 'find': self.find,
            'getmore': self.get_more, 'killcursors': self.kill_cursors, 'insert': self.insert,
            'update': self.update, 'delete': self.delete, 'findandmodify': self.find_and_modify,
            'createindexes': self.create_indexes, 'listindexes': self.list_indexes, 'drop': self.drop,
            'dropdatabase': self.drop_database, 'aggregate': self.aggregate, 'count': self.count,
            'listcollections': self.list_collections, 'create': self.create,
            'dropindexes': self.drop_indexes,
        }.get(lowered)
        if handler is None:
            raise CommandError(59, 'CommandNotFound', "no such command: '%s'" % (name,))
        return handler(db, doc)

    def collection(self, db, name):
        return self.client[db][name]

    def exists(self, db, name):
        return name in self.client[db].list_collection_names()

    def cursor_reply(self, db, coll, docs, batch_size, single_batch=False):
        docs = list(docs)
        size = len(docs) if batch_size is None else int(batch_size)
        first, rest = (docs[:size], docs[size:]) if size > 0 else (docs, [])
        cursor_id = 0
        if rest and not single_batch:
            cursor_id = random.randint(1, 2 ** 62)
            self.cursors[cursor_id] = ('%s.%s' % (db, coll), rest)
        return OrderedDict(cursor=OrderedDict(id=Int64(cursor_id), ns='%s.%s' % (db, coll), firstBatch=first), ok=1)

    # -- handshake and admin ---------------------------------------------------------------

    def hello(self, db, doc):
        return OrderedDict(
            helloOk=True, ismaster=True, isWritablePrimary=True, maxBsonObjectSize=16 * 1024 * 1024,
            maxMessageSizeBytes=48000000, maxWriteBatchSize=100000,
            localTime=datetime.datetime.now(datetime.timezone.utc), logicalSessionTimeoutMinutes=30,
            connectionId=next(self.connection_ids), minWireVersion=0, maxWireVersion=WIRE_VERSION,
            readOnly=False, ok=1)

    def ping(self, db, doc):
        return OrderedDict(ok=1)

    def build_info(self, db, doc):
        return OrderedDict(version=SERVER_VERSION, versionArray=[6, 0, 0, 0], gitVersion='none',
                           bits=64, maxBsonObjectSize=16 * 1024 * 1024, peer=PEER, ok=1)

    # -- reads -----------------------------------------------------------------------------

    def find(self, db, doc):
        coll = doc['find']
        unsupported = set(doc) - {'find', 'filter', 'projection', 'sort', 'skip', 'limit', 'batchSize',
                                  'singleBatch', 'noCursorTimeout'} - IGNORED_FIELDS
        unsupported = {k for k in unsupported if not k.startswith('$')}
        if unsupported:
            raise CommandError(2, 'BadValue', 'the peer does not support find options %s' % sorted(unsupported))
        filter_ = normalize(doc.get('filter') or {})
        sort = list((doc.get('sort') or {}).items()) or None
        limit = abs(int(doc.get('limit') or 0))
        cursor = self.collection(db, coll).find(filter_, doc.get('projection') or None,
                                                skip=int(doc.get('skip') or 0), limit=limit, sort=sort)
        batch = doc.get('batchSize')
        if batch is None:
            batch = 101
        single = bool(doc.get('singleBatch')) or (limit and int(batch) >= limit)
        return self.cursor_reply(db, coll, cursor, batch, single_batch=single)

    def get_more(self, db, doc):
        cursor_id = int(doc['getMore'])
        entry = self.cursors.pop(cursor_id, None)
        if entry is None:
            raise CommandError(43, 'CursorNotFound', 'cursor id %d not found' % cursor_id)
        ns, rest = entry
        size = int(doc.get('batchSize') or len(rest))
        batch, rest = rest[:size], rest[size:]
        next_id = cursor_id if rest else 0
        if rest:
            self.cursors[cursor_id] = (ns, rest)
        return OrderedDict(cursor=OrderedDict(id=Int64(next_id), ns=ns, nextBatch=batch), ok=1)

    def kill_cursors(self, db, doc):
        killed = []
        for cursor_id in doc.get('cursors', []):
            if self.cursors.pop(int(cursor_id), None) is not None:
                killed.append(cursor_id)
        return OrderedDict(cursorsKilled=killed, cursorsNotFound=[], cursorsAlive=[], cursorsUnknown=[], ok=1)

    def aggregate(self, db, doc):
        coll = doc['aggregate']
        docs = self.collection(db, coll).aggregate([normalize(stage) for stage in doc['pipeline']])
        return self.cursor_reply(db, coll, docs, (doc.get('cursor') or {}).get('batchSize', 101))

    def count(self, db, doc):
        n = self.collection(db, doc['count']).count_documents(normalize(doc.get('query') or {}))
        return OrderedDict(n=n, ok=1)

    # -- writes ----------------------------------------------------------------------------

    def insert(self, db, doc):
        coll = self.collection(db, doc['insert'])
        n, errors = 0, []
        for index, document in enumerate(doc.get('documents', [])):
            try:
                coll.insert_one(document)
                n += 1
            except DuplicateKeyError as error:
                errors.append(duplicate_key(index, db, doc['insert'], document.get('_id'), error))
                if doc.get('ordered', True):
                    break
        return write_reply(n, errors)

    def update(self, db, doc):
        coll = self.collection(db, doc['update'])
        n = modified = 0
        upserted, errors = [], []
        for index, spec in enumerate(doc.get('updates', [])):
            query, change = normalize(spec.get('q') or {}), spec['u']
            upsert, multi = bool(spec.get('upsert')), bool(spec.get('multi'))
            if isinstance(change, list):
                raise CommandError(2, 'BadValue', 'the peer does not support pipeline updates')
            try:
                if is_operator_update(change):
                    result = (coll.update_many if multi else coll.update_one)(query, change, upsert=upsert)
                else:
                    result = coll.replace_one(query, change, upsert=upsert)
            except DuplicateKeyError as error:
                errors.append(duplicate_key(index, db, doc['update'], query.get('_id'), error))
                if doc.get('ordered', True):
                    break
                continue
            n += result.matched_count
            modified += result.modified_count
            if result.upserted_id is not None:
                n += 1
                upserted.append(OrderedDict(index=index, _id=result.upserted_id))
        reply = write_reply(n, errors)
        reply['nModified'] = modified
        if upserted:
            reply['upserted'] = upserted
        return reply

    def delete(self, db, doc):
        coll = self.collection(db, doc['delete'])
        n = 0
        for spec in doc.get('deletes', []):
            query = normalize(spec.get('q') or {})
            result = coll.delete_one(query) if int(spec.get('limit', 0)) == 1 else coll.delete_many(query)
            n += result.deleted_count
        return write_reply(n, [])

    def find_and_modify(self, db, doc):
        coll_name = next(iter(doc.values()))
        coll = self.collection(db, coll_name)
        query = normalize(doc.get('query') or {})
        sort = list((doc.get('sort') or {}).items()) or None
        projection = doc.get('fields') or None
        if doc.get('remove'):
            value = coll.find_one_and_delete(query, projection=projection, sort=sort)
            return OrderedDict(lastErrorObject=OrderedDict(n=1 if value else 0), value=value, ok=1)
        change = doc.get('update')
        if change is None or isinstance(change, list):
            raise CommandError(2, 'BadValue', 'the peer needs an update document for findAndModify')
        existed = coll.find_one(query, sort=sort) is not None
        upsert, new = bool(doc.get('upsert')), bool(doc.get('new'))
        modify = coll.find_one_and_update if is_operator_update(change) else coll.find_one_and_replace
        after, before = ReturnDocument.AFTER, ReturnDocument.BEFORE
        try:
            if existed or not upsert:
                value = modify(query, change, projection=projection, sort=sort, upsert=upsert,
                               return_document=after if new else before)
                last = OrderedDict(n=1 if existed else 0, updatedExisting=existed)
            else:
                created = modify(query, change, sort=sort, upsert=True, return_document=after)
                value = coll.find_one({'_id': created['_id']}, projection) if new else None
                last = OrderedDict(n=1, updatedExisting=False, upserted=created['_id'])
        except DuplicateKeyError as error:
            raise CommandError(11000, 'DuplicateKey', 'E11000 duplicate key error collection: %s.%s: %s'
                               % (db, coll_name, error))
        return OrderedDict(lastErrorObject=last, value=value, ok=1)

    # -- collections and indexes -----------------------------------------------------------

    def indexes_of(self, db, name):
        """The collection's indexes as listIndexes shows them (TTL options from the peer's registry)."""
        result = []
        for info in self.collection(db, name).list_indexes():
            spec = OrderedDict(v=2, key=OrderedDict(info['key']), name=info['name'])
            for option in ('unique', 'sparse', 'partialFilterExpression'):
                if option in info:
                    spec[option] = info[option]
            ttl = self.ttl.get((db, name, info['name']))
            if ttl is not None:
                spec['expireAfterSeconds'] = ttl[1]
            result.append(spec)
        return result

    def create_indexes(self, db, doc):
        name = doc['createIndexes']
        coll = self.collection(db, name)
        created_collection = not self.exists(db, name)
        before = self.indexes_of(db, name) if not created_collection else []
        for spec in doc['indexes']:
            key = OrderedDict(spec['key'])
            index_name = spec.get('name') or '_'.join('%s_%s' % (k, v) for k, v in key.items())
            wanted = {k: spec[k] for k in ('unique', 'sparse', 'expireAfterSeconds', 'partialFilterExpression') if k in spec}
            for existing in before:
                same_key = list(existing['key'].items()) == list(key.items())
                options = {k: existing[k] for k in wanted.keys() | existing.keys()
                           if k in ('unique', 'sparse', 'expireAfterSeconds', 'partialFilterExpression') and k in existing}
                if existing['name'] == index_name and not same_key:
                    raise CommandError(86, 'IndexKeySpecsConflict',
                                       'An existing index has the same name as the requested index but a different key: %s' % index_name)
                if same_key and options != wanted:
                    raise CommandError(85, 'IndexOptionsConflict',
                                       'An equivalent index already exists with the same name but different options: %s' % existing['name'])
                if same_key and existing['name'] != index_name:
                    raise CommandError(85, 'IndexOptionsConflict',
                                       'Index already exists with a different name: %s' % existing['name'])
            options = {k: spec[k] for k in ('unique', 'sparse', 'partialFilterExpression') if k in spec}
            coll.create_index(list(key.items()), name=index_name, **options)
            if 'expireAfterSeconds' in spec:
                field = next(iter(key))
                self.ttl[(db, name, index_name)] = (field, int(spec['expireAfterSeconds']))
        after = self.indexes_of(db, name)
        reply = OrderedDict(numIndexesBefore=len(before) or 1, numIndexesAfter=len(after),
                            createdCollectionAutomatically=created_collection, ok=1)
        if len(after) == len(before):
            reply['note'] = 'all indexes already exist'
        return reply

    def list_indexes(self, db, doc):
        name = doc['listIndexes']
        if not self.exists(db, name):
            raise CommandError(26, 'NamespaceNotFound', 'ns does not exist: %s.%s' % (db, name))
        return self.cursor_reply(db, name, self.indexes_of(db, name), (doc.get('cursor') or {}).get('batchSize', 101))

    def drop_indexes(self, db, doc):
        name, index = doc['dropIndexes'], doc['index']
        coll = self.collection(db, name)
        if index == '*':
            coll.drop_indexes()
            self.ttl = {k: v for k, v in self.ttl.items() if k[:2] != (db, name)}
        else:
            coll.drop_index(index)
            self.ttl.pop((db, name, index), None)
        return OrderedDict(ok=1)

    def drop(self, db, doc):
        name = doc['drop']
        if not self.exists(db, name):
            raise CommandError(26, 'NamespaceNotFound', 'ns not found')
        self.client[db].drop_collection(name)
        self.ttl = {k: v for k, v in self.ttl.items() if k[:2] != (db, name)}
        return OrderedDict(ns='%s.%s' % (db, name), ok=1)

    def drop_database(self, db, doc):
        self.client.drop_database(db)
        self.ttl = {k: v for k, v in self.ttl.items() if k[0] != db}
        return OrderedDict(dropped=db, ok=1)

    def list_collections(self, db, doc):
        wanted = (doc.get('filter') or {}).get('name')
        names = [n for n in self.client[db].list_collection_names() if wanted is None or n == wanted]
        docs = [OrderedDict(name=n, type='collection', options={}, info=OrderedDict(readOnly=False)) for n in names]
        return self.cursor_reply(db, '$cmd.listCollections', docs, (doc.get('cursor') or {}).get('batchSize', 101))

    def create(self, db, doc):
        if self.exists(db, doc['create']):
            raise CommandError(48, 'NamespaceExists', 'Collection already exists. NS: %s.%s' % (db, doc['create']))
        self.client[db].create_collection(doc['create'])
        return OrderedDict(ok=1)

    # -- TTL monitor -----------------------------------------------------------------------

    def ttl_monitor(self):
        while not self.stopped.wait(self.ttl_monitor_seconds):
            with self.lock:
                now = mongomock.utcnow()
                for (db, name, _), (field, seconds) in list(self.ttl.items()):
                    limit = now - datetime.timedelta(seconds=seconds)
                    self.collection(db, name).delete_many({field: {'$lte': limit}})


def normalize(value):
    """BSON regular expressions as mongomock expects them (compiled patterns)."""
    if isinstance(value, Regex):
        return value.try_compile()
    if isinstance(value, dict):
        return OrderedDict((k, normalize(v)) for k, v in value.items())
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def is_operator_update(change):
    return bool(change) and all(k.startswith('$') for k in change)


def duplicate_key(index, db, coll, key, error):
    return OrderedDict(index=index, code=11000, codeName='DuplicateKey', keyPattern={'_id': 1},
                       keyValue={'_id': key},
                       errmsg='E11000 duplicate key error collection: %s.%s index: _id_ dup key: { _id: %r }' % (db, coll, key))


def write_reply(n, errors):
    reply = OrderedDict(n=n, ok=1)
    if errors:
        reply['writeErrors'] = errors
    return reply


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--ttl-monitor-seconds', type=float, default=60.0)
    args = parser.parse_args()
    peer = Peer(args.ttl_monitor_seconds)
    server = mockupdb.MockupDB(port=args.port or None, request_timeout=10 ** 6)
    server._address = ('127.0.0.1', args.port or None)  # loopback only
    server.autoresponds(peer.handle)
    port = server.run()
    threading.Thread(target=peer.ttl_monitor, daemon=True).start()
    print('PORT %d' % port, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    except KeyboardInterrupt:
        pass
    finally:
        peer.stopped.set()
        with peer.lock:
            print('COMMANDS %s' % json.dumps(dict(peer.counts), sort_keys=True), flush=True)
        server.stop()


if __name__ == '__main__':
    main()
