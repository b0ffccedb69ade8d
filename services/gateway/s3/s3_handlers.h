// The S3 operations this edge serves, one function each, called by the router (s3_routes.h)
// once the request is authenticated and admitted. Each answers on `c.w`, errors included.
//
//   s3_bucket_handlers.cc  ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
//                          GetBucketLocation, GetBucketVersioning
//   s3_list_handlers.cc    ListObjects (v1), ListObjectsV2, ListObjectVersions
//   s3_put_object.cc       PutObject, CopyObject
//   s3_get_object.cc       GetObject, HeadObject
//   s3_delete_objects.cc   DeleteObject, DeleteObjects
//   s3_multipart_parts.cc  UploadPart, UploadPartCopy
//   s3_multipart_uploads.cc  CreateMultipartUpload, CompleteMultipartUpload,
//                          AbortMultipartUpload, ListParts, ListMultipartUploads
#pragma once

#include "services/gateway/s3/s3_context.h"

namespace datamesh::gateway::s3 {

void ListBuckets(const S3Call& c);
void CreateBucket(const S3Call& c);
void HeadBucket(const S3Call& c);
void DeleteBucket(const S3Call& c);
void GetBucketLocation(const S3Call& c);
void GetBucketVersioning(const S3Call& c);

void ListObjects(const S3Call& c, bool v2);
// A never-versioned bucket's objects, each as its one "null" version.
void ListObjectVersions(const S3Call& c);

void PutObject(const S3Call& c);
void CopyObject(const S3Call& c);

// GET and HEAD.
void GetObject(const S3Call& c);

void DeleteObject(const S3Call& c);
void DeleteObjects(const S3Call& c);

void CreateMultipartUpload(const S3Call& c);
void UploadPart(const S3Call& c);
void UploadPartCopy(const S3Call& c);
void ListParts(const S3Call& c);
void ListMultipartUploads(const S3Call& c);
void CompleteMultipartUpload(const S3Call& c);
void AbortMultipartUpload(const S3Call& c);

}  // namespace datamesh::gateway::s3
