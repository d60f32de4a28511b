package chatcompletions

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// SendsField applies the model's rule for feature (one of the Feature*
// constants) to a request that sets it: send reports whether the field goes
// into the provider request. A Strip rule leaves it out silently; a Refuse
// rule fails with capability_unsupported for provider and model, telling the
// caller to remove the field. A feature the model does not list is sent.
func (m Model) SendsField(provider, model, feature string) (send bool, err error) {
	act, listed := m.Unsupported[feature]
	if !listed {
		return true, nil
	}
	if act == Strip {
		return false, nil
	}
	return false, guest.ModelUnsupported(provider, model, feature, "remove it from the request")
}

// SetSampling sets the request's temperature and top_p in body (the
// fields of the same names) where the model's rules send them: SendsField,
// whose Refuse rule fails for provider.
func (m Model) SetSampling(req *abi.Request, provider string, body *Body) error {
	for _, f := range [...]struct {
		v       *float64
		feature string
	}{{req.Temperature, FeatureTemperature}, {req.TopP, FeatureTopP}} {
		if f.v == nil {
			continue
		}
		send, err := m.SendsField(provider, req.Model, f.feature)
		if err != nil {
			return err
		}
		if send {
			setFloat(body, f.feature, *f.v)
		}
	}
	return nil
}
