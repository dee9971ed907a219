// The PDF pages of pdf_pages.h, with libqpdf.
#include "page_splitter/pdf_pages.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFAcroFormDocumentHelper.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>
#include <vector>

namespace ocr::page_split {
namespace {

// Thrown by CappedOutput past its limit, inside QPDFWriter::write.
struct PageTooLarge {};

// QPDFWriter's output, in a string of at most `limit` bytes.
class CappedOutput : public Pipeline {
 public:
  CappedOutput(std::string* out, uint64_t limit)
      : Pipeline("page", nullptr), out_(out), limit_(limit) {}
  void write(unsigned char const* data, size_t len) override {
    if (out_->size() + len > limit_) throw PageTooLarge{};
    out_->append(reinterpret_cast<const char*>(data), len);
  }
  void finish() override {}

 private:
  std::string* out_;
  uint64_t limit_;
};

Status Refused(const std::exception& e) {
  if (const auto* qpdf = dynamic_cast<const QPDFExc*>(&e);
      qpdf != nullptr && qpdf->getErrorCode() == qpdf_e_password) {
    return InvalidArgumentError("the PDF is protected by a password");
  }
  return InvalidArgumentError(std::string("the PDF is damaged: ") + e.what());
}

class PdfDocument : public Document {
 public:
  explicit PdfDocument(FILE* file) : file_(file) {}
  ~PdfDocument() override {
    // The QPDF objects before the file they read.
    in_.reset();
    if (file_ != nullptr) std::fclose(file_);
  }

  Status Open() {
    in_ = std::make_unique<QPDF>();
    in_->setSuppressWarnings(true);
    in_->processFile("the PDF", file_, /*close_file=*/false);
    QPDFPageDocumentHelper pages(*in_);
    // Each page gets its own copy of what it inherits from the page tree
    // (which is not copied with it).
    pages.pushInheritedAttributesToPage();
    pages_ = pages.getAllPages();
    if (pages_.empty()) return InvalidArgumentError("the PDF has no pages");
    forms_ = std::make_unique<QPDFAcroFormDocumentHelper>(*in_);
    // Which optional content is shown; copied as an indirect object so the
    // pages' references to its groups land on the same copies.
    QPDFObjectHandle oc = in_->getRoot().getKey("/OCProperties");
    if (oc.isDictionary()) {
      optional_content_ = oc.isIndirect() ? oc : in_->makeIndirectObject(oc);
    }
    in_->getWarnings();  // kept by qpdf until asked for
    return OkStatus();
  }

  std::string_view media_type() const override { return kPdfMediaType; }
  int page_count() const override { return static_cast<int>(pages_.size()); }

  StatusOr<std::string> Page(int index, int64_t max_bytes) override {
    std::string bytes;
    try {
      CopyPage(index, static_cast<uint64_t>(max_bytes), &bytes);
    } catch (const PageTooLarge&) {
      return PayloadTooLargeError("PDF page " + std::to_string(index + 1) +
                                  " is more than the limit of one page, " +
                                  std::to_string(max_bytes) + " bytes");
    } catch (const std::bad_alloc&) {
      throw;  // the process is out of memory: its caller says so
    } catch (const std::exception& e) {
      return Refused(e).WithPrefix("page " + std::to_string(index + 1));
    }
    in_->getWarnings();
    return bytes;
  }

 private:
  void CopyPage(int index, uint64_t max_bytes, std::string* bytes) {
    QPDF out;
    out.setSuppressWarnings(true);
    out.emptyPDF();
    QPDFPageDocumentHelper out_pages(out);
    QPDFPageObjectHelper& page = pages_.at(static_cast<size_t>(index));
    out_pages.addPage(page, /*first=*/false);
    if (forms_->hasAcroForm()) {
      QPDFAcroFormDocumentHelper out_forms(out);
      out_forms.fixCopiedAnnotations(
          out_pages.getAllPages().at(0).getObjectHandle(),
          page.getObjectHandle(), *forms_);
      QPDFObjectHandle need =
          in_->getRoot().getKey("/AcroForm").getKey("/NeedAppearances");
      if (need.isBool() && need.getBoolValue()) {
        out_forms.setNeedAppearances(true);
      }
    }
    if (optional_content_.isInitialized()) {
      out.getRoot().replaceKey("/OCProperties",
                               out.copyForeignObject(optional_content_));
    }
    CappedOutput output(bytes, max_bytes);
    QPDFWriter writer(out);
    writer.setOutputPipeline(&output);
    writer.setDeterministicID(true);
    writer.setDecodeLevel(qpdf_dl_none);  // streams as they are
    writer.setMinimumPDFVersion(in_->getPDFVersion(), in_->getExtensionLevel());
    writer.write();
  }

  FILE* file_;
  std::unique_ptr<QPDF> in_;
  std::vector<QPDFPageObjectHelper> pages_;
  std::unique_ptr<QPDFAcroFormDocumentHelper> forms_;
  QPDFObjectHandle optional_content_;
};

}  // namespace

StatusOr<std::unique_ptr<Document>> OpenPdf(int fd) {
  const int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  FILE* file = own < 0 ? nullptr : fdopen(own, "rb");
  if (file == nullptr) {
    if (own >= 0) close(own);
    return InternalError(std::string("cannot read the PDF: ") +
                         std::strerror(errno));
  }
  auto document = std::make_unique<PdfDocument>(file);
  // fdopen shares the offset with `fd`: qpdf seeks where it reads.
  std::rewind(file);
  try {
    RETURN_IF_ERROR(document->Open());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return Refused(e);
  }
  return std::unique_ptr<Document>(std::move(document));
}

}  // namespace ocr::page_split
