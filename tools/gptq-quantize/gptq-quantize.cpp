//===- gptq-quantize.cpp - The GPTQ quantization driver -------------------===//
//
// One executable with a subcommand per unit of work: `model` (a whole
// checkpoint, layer by layer), `layer` (one linear layer from a stored
// weight and Hessian) and `dequantize` (a test helper). The driver only parses
// the command line and turns a failed Status into one line on stderr and exit
// code 1, so that scripts and lit tests can rely on both.
//
//===----------------------------------------------------------------------===//

#include "LayerCommand.h"
#include "ModelCommand.h"

#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char **argv) {
  CLI::App app("GPTQ quantization of models and linear layers",
               "gptq-quantize");
  app.require_subcommand(1);
  gptq::tools::LayerCommandOptions layerOptions;
  CLI::App *layer = gptq::tools::addLayerCommand(app, layerOptions);
  gptq::tools::ModelCommandOptions modelOptions;
  CLI::App *model = gptq::tools::addModelCommand(app, modelOptions);
  gptq::tools::DequantizeCommandOptions dequantizeOptions;
  CLI::App *dequantize =
      gptq::tools::addDequantizeCommand(app, dequantizeOptions);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp &help) {
    return app.exit(help);
  } catch (const CLI::ParseError &error) {
    // CLI11's own exit codes vary by error kind; every bad command line is
    // exit code 1 here, with CLI11's one-line reason.
    std::fprintf(stderr, "gptq-quantize: error: %s\n", error.what());
    return 1;
  }

  gptq::Status status = gptq::Status::success();
  if (layer->parsed())
    status = gptq::tools::runLayerCommand(layerOptions);
  else if (model->parsed())
    status = gptq::tools::runModelCommand(modelOptions);
  else if (dequantize->parsed())
    status = gptq::tools::runDequantizeCommand(dequantizeOptions);
  if (!status.ok()) {
    std::fprintf(stderr, "gptq-quantize: error: %s\n",
                 status.message().c_str());
    return 1;
  }
  return 0;
}
