// ocr-gateway: multipart uploads in, KServe V2 requests to the model service.
#include "common/service_main.h"
#include "gateway/gateway.h"

int main(int argc, char** argv) {
  return ocr::ServiceMain<ocr::Gateway, ocr::GatewayOptions>(
      argc, argv, "ocr-gateway",
      "OCR gateway: POST /gateway/ocr takes a multipart upload (field "
      "image_file) and asks the model service.");
}
