"""Log files in, database out: read -> encoding -> parse -> kinds -> stage -> merge -> storage (pipeline runs them)."""
