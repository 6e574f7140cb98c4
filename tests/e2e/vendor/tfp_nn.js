/* Copyright 2016 Google Inc. All Rights Reserved.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
==============================================================================*/

// TensorFlow Playground's training engine, for the speed bench (tests/e2e/bench.mjs) only: src/nn.ts of
// github.com/tensorflow/playground at 02469bd3751764b20486015d4202b792af5362a6 with the TypeScript types
// removed (what tsc emits for ES2015), the unused regularization, ReLU, sigmoid and forEachNode left out, and
// `oneStepTrain` added: the training loop of playground.ts's oneStep() without its loss and UI update.
// Nothing else is changed. Injected into the page as a classic script: defines window.tfpNN.
(function () {
  class Node {
    constructor(id, activation, initZero) {
      this.inputLinks = [];
      this.bias = 0.1;
      this.outputs = [];
      this.outputDer = 0;
      this.inputDer = 0;
      this.accInputDer = 0;
      this.numAccumulatedDers = 0;
      this.id = id;
      this.activation = activation;
      if (initZero) this.bias = 0;
    }
    updateOutput() {
      this.totalInput = this.bias;
      for (let j = 0; j < this.inputLinks.length; j++) {
        let link = this.inputLinks[j];
        this.totalInput += link.weight * link.source.output;
      }
      this.output = this.activation.output(this.totalInput);
      return this.output;
    }
  }

  const Errors = {
    SQUARE: {
      error: (output, target) => 0.5 * Math.pow(output - target, 2),
      der: (output, target) => output - target,
    },
  };

  const Activations = {};
  Activations.TANH = {
    output: (x) => Math.tanh(x),
    der: (x) => {
      let output = Activations.TANH.output(x);
      return 1 - output * output;
    },
  };
  Activations.LINEAR = { output: (x) => x, der: (x) => 1 };

  class Link {
    constructor(source, dest, regularization, initZero) {
      this.weight = Math.random() - 0.5;
      this.isDead = false;
      this.errorDer = 0;
      this.accErrorDer = 0;
      this.numAccumulatedDers = 0;
      this.id = source.id + "-" + dest.id;
      this.source = source;
      this.dest = dest;
      this.regularization = regularization;
      if (initZero) this.weight = 0;
    }
  }

  function buildNetwork(networkShape, activation, outputActivation, regularization, inputIds, initZero) {
    let numLayers = networkShape.length;
    let id = 1;
    let network = [];
    for (let layerIdx = 0; layerIdx < numLayers; layerIdx++) {
      let isOutputLayer = layerIdx === numLayers - 1;
      let isInputLayer = layerIdx === 0;
      let currentLayer = [];
      network.push(currentLayer);
      let numNodes = networkShape[layerIdx];
      for (let i = 0; i < numNodes; i++) {
        let nodeId = id.toString();
        if (isInputLayer) nodeId = inputIds[i];
        else id++;
        let node = new Node(nodeId, isOutputLayer ? outputActivation : activation, initZero);
        currentLayer.push(node);
        if (layerIdx >= 1) {
          for (let j = 0; j < network[layerIdx - 1].length; j++) {
            let prevNode = network[layerIdx - 1][j];
            let link = new Link(prevNode, node, regularization, initZero);
            prevNode.outputs.push(link);
            node.inputLinks.push(link);
          }
        }
      }
    }
    return network;
  }

  function forwardProp(network, inputs) {
    let inputLayer = network[0];
    if (inputs.length !== inputLayer.length) {
      throw new Error("The number of inputs must match the number of nodes in the input layer");
    }
    for (let i = 0; i < inputLayer.length; i++) {
      let node = inputLayer[i];
      node.output = inputs[i];
    }
    for (let layerIdx = 1; layerIdx < network.length; layerIdx++) {
      let currentLayer = network[layerIdx];
      for (let i = 0; i < currentLayer.length; i++) {
        let node = currentLayer[i];
        node.updateOutput();
      }
    }
    return network[network.length - 1][0].output;
  }

  function backProp(network, target, errorFunc) {
    let outputNode = network[network.length - 1][0];
    outputNode.outputDer = errorFunc.der(outputNode.output, target);
    for (let layerIdx = network.length - 1; layerIdx >= 1; layerIdx--) {
      let currentLayer = network[layerIdx];
      for (let i = 0; i < currentLayer.length; i++) {
        let node = currentLayer[i];
        node.inputDer = node.outputDer * node.activation.der(node.totalInput);
        node.accInputDer += node.inputDer;
        node.numAccumulatedDers++;
      }
      for (let i = 0; i < currentLayer.length; i++) {
        let node = currentLayer[i];
        for (let j = 0; j < node.inputLinks.length; j++) {
          let link = node.inputLinks[j];
          if (link.isDead) continue;
          link.errorDer = node.inputDer * link.source.output;
          link.accErrorDer += link.errorDer;
          link.numAccumulatedDers++;
        }
      }
      if (layerIdx === 1) continue;
      let prevLayer = network[layerIdx - 1];
      for (let i = 0; i < prevLayer.length; i++) {
        let node = prevLayer[i];
        node.outputDer = 0;
        for (let j = 0; j < node.outputs.length; j++) {
          let output = node.outputs[j];
          node.outputDer += output.weight * output.dest.inputDer;
        }
      }
    }
  }

  function updateWeights(network, learningRate, regularizationRate) {
    for (let layerIdx = 1; layerIdx < network.length; layerIdx++) {
      let currentLayer = network[layerIdx];
      for (let i = 0; i < currentLayer.length; i++) {
        let node = currentLayer[i];
        if (node.numAccumulatedDers > 0) {
          node.bias -= learningRate * node.accInputDer / node.numAccumulatedDers;
          node.accInputDer = 0;
          node.numAccumulatedDers = 0;
        }
        for (let j = 0; j < node.inputLinks.length; j++) {
          let link = node.inputLinks[j];
          if (link.isDead) continue;
          let regulDer = link.regularization ? link.regularization.der(link.weight) : 0;
          if (link.numAccumulatedDers > 0) {
            link.weight = link.weight - (learningRate / link.numAccumulatedDers) * link.accErrorDer;
            let newLinkWeight = link.weight - (learningRate * regularizationRate) * regulDer;
            link.weight = newLinkWeight; // (the L1 dead-link branch needs a regularization; none here)
            link.accErrorDer = 0;
            link.numAccumulatedDers = 0;
          }
        }
      }
    }
  }

  // playground.ts's oneStep(), training part: one pass over the training points, a weight update every
  // batchSize points. Inputs are x and y (the Playground's default features).
  function oneStepTrain(network, trainData, batchSize, learningRate) {
    trainData.forEach((point, i) => {
      let input = [point.x, point.y];
      forwardProp(network, input);
      backProp(network, point.label, Errors.SQUARE);
      if ((i + 1) % batchSize === 0) updateWeights(network, learningRate, 0);
    });
  }

  window.tfpNN = { Activations, Errors, buildNetwork, forwardProp, backProp, updateWeights, oneStepTrain };
})();
