#include "common/status_http.h"

namespace ocr {

boost::beast::http::status ToHttpStatus(StatusCode code) {
  using boost::beast::http::status;
  switch (code) {
    case StatusCode::kOk:
      return status::ok;
    case StatusCode::kInvalidArgument:
      return status::bad_request;
    case StatusCode::kNotFound:
      return status::not_found;
    case StatusCode::kMethodNotAllowed:
      return status::method_not_allowed;
    case StatusCode::kPayloadTooLarge:
      return status::payload_too_large;
    case StatusCode::kUnsupportedMediaType:
      return status::unsupported_media_type;
    case StatusCode::kUnprocessable:
      return status::unprocessable_entity;
    case StatusCode::kConflict:
      return status::conflict;
    case StatusCode::kBadGateway:
      return status::bad_gateway;
    case StatusCode::kUnavailable:
      return status::service_unavailable;
    case StatusCode::kDeadlineExceeded:
      return status::gateway_timeout;
    case StatusCode::kUnimplemented:
      return status::not_implemented;
    case StatusCode::kEngineCrash:
      return status::internal_server_error;
    case StatusCode::kEngineTimeout:
      return status::gateway_timeout;
    case StatusCode::kInsufficientStorage:
      return status::insufficient_storage;
    case StatusCode::kInternal:
      return status::internal_server_error;
  }
  return status::internal_server_error;
}

StatusCode FromHttpStatus(int status) {
  switch (status) {
    case 200:
      return StatusCode::kOk;
    case 404:
      return StatusCode::kNotFound;
    case 405:
      return StatusCode::kMethodNotAllowed;
    case 413:
      return StatusCode::kPayloadTooLarge;
    case 415:
      return StatusCode::kUnsupportedMediaType;
    case 409:
      return StatusCode::kConflict;
    case 422:
      return StatusCode::kUnprocessable;
    case 501:
      return StatusCode::kUnimplemented;
    case 502:
      return StatusCode::kBadGateway;
    case 503:
      return StatusCode::kUnavailable;
    case 504:
      return StatusCode::kDeadlineExceeded;
    case 507:
      return StatusCode::kInsufficientStorage;
    default:
      return status < 500 ? StatusCode::kInvalidArgument
                          : StatusCode::kInternal;
  }
}

}  // namespace ocr
